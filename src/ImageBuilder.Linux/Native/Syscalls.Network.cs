using Microsoft.Win32.SafeHandles;
using static Tmds.Linux.LibC;

namespace ImageBuilder.Linux.Native;

// Network namespaces of ibuild's own: one made on a thread, and threads joining it.
public static unsafe partial class Syscalls
{
    /// <summary>
    /// Moves the calling thread into a new network namespace (unshare(CLONE_NEWNET) changes only
    /// the thread), brings its <c>lo</c> up, and returns a descriptor that keeps the namespace alive
    /// (<c>/proc/thread-self/ns/net</c>, close-on-exec). The thread should end afterwards.
    /// </summary>
    internal static SafeFileHandle EnterNewNetworkNamespace()
    {
        Unshare(CloneNewNet);
        BringLoopbackUp();
        return new SafeFileHandle(OpenRaw("/proc/thread-self/ns/net", directory: false), ownsHandle: true);
    }

    /// <summary>
    /// Makes a persistent TAP device named <paramref name="name"/> (IFF_TAP | IFF_NO_PI, as
    /// slirp4netns asks for it) in the calling thread's network namespace: a user-mode stack then
    /// attaches to it, and when the stack exits the device stays until the namespace goes, which
    /// the kernel does in the background. A device made by the stack itself is deleted in its
    /// exit, which waits for two RCU grace periods (synchronize_rcu_expedited, rcu_barrier).
    /// </summary>
    internal static void AddPersistentTap(string name)
    {
        const int TunSetInterface = 0x400454ca; // TUNSETIFF = _IOW('T', 202, int)
        const int TunSetPersist = 0x400454cb; // TUNSETPERSIST = _IOW('T', 203, int)
        const short Tap = 0x0002, NoPacketInformation = 0x1000; // IFF_TAP, IFF_NO_PI
        var fd = ThrowIfFailed(OpenTunDevice(), "open /dev/net/tun");
        try
        {
            // struct ifreq: 16 bytes of name, then a union whose first member is short ifr_flags.
            var request = stackalloc byte[40];
            new Span<byte>(request, 40).Clear();
            System.Text.Encoding.ASCII.GetBytes(name, new Span<byte>(request, 15));
            *(short*)(request + 16) = Tap | NoPacketInformation;
            ThrowIfFailed(ioctl(fd, TunSetInterface, request), $"ioctl TUNSETIFF {name}");
            ThrowIfFailed(ioctl(fd, TunSetPersist, 1), $"ioctl TUNSETPERSIST {name}");
        }
        finally
        {
            close(fd);
        }
    }

    private static int OpenTunDevice()
    {
        fixed (byte* path = "/dev/net/tun\0"u8)
        {
            return open(path, O_RDWR | O_CLOEXEC, 0);
        }
    }

    /// <summary>setns(2): moves the calling thread into the network namespace <paramref name="handle"/> refers to.</summary>
    internal static void JoinNetworkNamespace(SafeFileHandle handle)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            ThrowIfFailed(setns((int)handle.DangerousGetHandle(), CloneNewNet), "setns CLONE_NEWNET");
        }
        finally
        {
            handle.DangerousRelease();
        }
    }
}
