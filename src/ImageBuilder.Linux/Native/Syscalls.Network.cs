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
