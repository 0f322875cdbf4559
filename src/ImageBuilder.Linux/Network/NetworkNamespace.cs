using ImageBuilder.Linux.Native;
using Microsoft.Win32.SafeHandles;

namespace ImageBuilder.Linux.Network;

/// <summary>
/// A network namespace of ibuild's own, with <c>lo</c> up, kept alive by a descriptor. It is made
/// on a thread of its own that ends right after (unshare(CLONE_NEWNET) changes only the calling
/// thread, so no other thread of ibuild ever leaves the host's network). A sandbox thread joins
/// it with <see cref="Join"/> (setns) before it unshares the rest; a helper outside ibuild (the
/// network stack) opens it through <see cref="Path"/>. The namespace ends when the descriptor is
/// closed and no process is left in it. Made inside a user namespace (rootless ibuild), it belongs
/// to that user namespace, which is what lets the sandbox mount sysfs for it.
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    private readonly SafeFileHandle handle;

    private NetworkNamespace(SafeFileHandle handle) => this.handle = handle;

    /// <summary>The namespace as another process of the same user opens it: <c>/proc/PID/fd/N</c> of this process.</summary>
    public string Path => $"/proc/{Environment.ProcessId}/fd/{handle.DangerousGetHandle()}";

    /// <summary>Makes a new network namespace with <c>lo</c> up, and a persistent TAP device named <paramref name="tap"/> when given.</summary>
    /// <exception cref="LinuxException">The kernel refused (no CAP_SYS_ADMIN over a user namespace; no access to /dev/net/tun).</exception>
    public static NetworkNamespace Create(string? tap = null)
    {
        Rootless.HostMode.Current.RequireUserNamespace("making a network namespace");
        SafeFileHandle? made = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                var entered = Syscalls.EnterNewNetworkNamespace();
                try
                {
                    if (tap is not null)
                    {
                        Syscalls.AddPersistentTap(tap);
                    }
                }
                catch
                {
                    entered.Dispose();
                    throw;
                }

                made = entered;
            }
            catch (Exception e)
            {
                error = e;
            }
        })
        {
            IsBackground = true,
            Name = "ibuild netns",
        };
        thread.Start();
        thread.Join();
        return made is not null ? new NetworkNamespace(made) : throw error!;
    }

    /// <summary>Moves the calling thread into the namespace (a sandbox's thread, before it unshares the rest).</summary>
    internal void Join() => Syscalls.JoinNetworkNamespace(handle);

    public void Dispose() => handle.Dispose();
}
