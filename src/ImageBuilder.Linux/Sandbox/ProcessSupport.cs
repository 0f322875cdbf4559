using System.ComponentModel;
using System.Diagnostics;

namespace ImageBuilder.Linux.Sandbox;

/// <summary>
/// .NET starts its SIGCHLD handling thread (Process) and the socket event loop (pipe streams) on
/// first use, from whichever thread uses them first. A thread that unshared a namespace must not
/// be that thread: one in a new PID namespace cannot create threads at all, and a thread created
/// from one in a private mount namespace lives in that namespace for good (see
/// <see cref="Mounts.OverlayWorkspace"/>). Starting /bin/cat with all three streams redirected
/// starts both, once per process, before any unshare.
/// </summary>
internal static class ProcessSupport
{
    private static readonly Lazy<bool> Started = new(() =>
    {
        try
        {
            var start = new ProcessStartInfo("/bin/cat")
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            process.StandardInput.BaseStream.Write("x"u8);
            process.StandardInput.Close();
            var error = process.StandardError.BaseStream.CopyToAsync(Stream.Null);
            process.StandardOutput.BaseStream.CopyToAsync(Stream.Null).GetAwaiter().GetResult();
            error.GetAwaiter().GetResult();
            process.WaitForExit();
        }
        catch (Win32Exception)
        {
            // Starting failed after the runtime's process support was set up: that is all we need.
        }

        return true;
    });

    public static void EnsureStarted() => _ = Started.Value;

    /// <summary>Starts it on a pool thread: a build's first COPY or RUN then does not wait (~4 ms) for it.</summary>
    public static void WarmUp() => _ = Task.Run(EnsureStarted);
}
