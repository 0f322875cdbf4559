using System.ComponentModel;
using System.Diagnostics;
using System.IO.Pipes;

namespace ImageBuilder.Linux.Network;

/// <summary>
/// A network namespace of ibuild's own with outbound TCP and UDP and a DNS forwarder, through
/// slirp4netns: a user-mode TCP/IP stack that needs no root, adds no host interface and makes
/// every connection from ibuild's own (the host's) network namespace. Its defaults: the namespace
/// is 10.0.2.100/24 on <c>tap0</c>, the gateway 10.0.2.2, the DNS forwarder <see cref="Nameserver"/>.
/// The host's loopback stays out of reach: the namespace has its own 127.0.0.1, and
/// <c>--disable-host-loopback</c> refuses the gateway's mapping to it. slirp4netns runs in its
/// own mount namespace with a syscall filter (<c>--enable-sandbox --enable-seccomp</c>).
/// Lifetime: slirp4netns lives as long as its exit pipe (<c>--exit-fd</c>) has a writer, and
/// only ibuild holds that end (close-on-exec): <see cref="DisposeAsync"/> closes it, and so does
/// the kernel when ibuild dies, kill -9 included. Why slirp4netns and not pasta: docs/BENCHMARKS.md.
/// </summary>
public sealed class PrivateNetwork : IAsyncDisposable
{
    /// <summary>slirp4netns's DNS forwarder, which passes queries to the host's resolvers: the step's /etc/resolv.conf names it.</summary>
    public const string Nameserver = "10.0.2.3";

    /// <summary>slirp4netns's gateway, which would be the host's loopback without <c>--disable-host-loopback</c>.</summary>
    public const string Gateway = "10.0.2.2";

    /// <summary>The stack's program, found on PATH.</summary>
    public const string StackProgram = "slirp4netns";

    private const string FailedHint = "--network host or none runs without the private network";

    // A rootless ibuild opens the TUN device as the user: udev makes it 0666, some containers' /dev do not.
    private const string TunHint = "the user needs read and write access to /dev/net/tun (udev's default mode is 0666); or use --network host|none";

    /// <summary>The namespace's interface to slirp4netns.</summary>
    private const string TapDevice = "tap0";

    // Long enough for a loaded machine (it takes ~6 ms here), short of hanging a build forever.
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly Process stack;
    private readonly AnonymousPipeServerStream exitPipe;
    private readonly StackLog log;

    private PrivateNetwork(NetworkNamespace networkNamespace, Process stack, AnonymousPipeServerStream exitPipe, StackLog log)
    {
        Namespace = networkNamespace;
        this.stack = stack;
        this.exitPipe = exitPipe;
        this.log = log;
    }

    /// <summary>The namespace sandboxes join.</summary>
    public NetworkNamespace Namespace { get; }

    /// <summary>slirp4netns's process id (tests look for it after the build).</summary>
    public int StackProcessId => stack.Id;

    /// <summary>Makes the namespace and starts slirp4netns for it; returns once its interface is configured.</summary>
    /// <exception cref="NetworkUnavailableException">slirp4netns is missing or failed.</exception>
    public static async Task<PrivateNetwork> StartAsync(CancellationToken cancellationToken)
    {
        NetworkNamespace networkNamespace;
        try
        {
            // The TAP device is made here, persistent, for slirp4netns to attach to: one it made
            // itself would be deleted in its exit, which then takes ~20 ms of RCU waits at the end
            // of every build; a persistent one goes with the namespace, in the kernel's background.
            networkNamespace = NetworkNamespace.Create(tap: TapDevice);
        }
        catch (Native.LinuxException e)
        {
            throw new NetworkUnavailableException(
                $"no network namespace could be made: {e.Message}", e.Message.Contains("/dev/net/tun", StringComparison.Ordinal) ? TunHint : FailedHint, e);
        }

        // The ends slirp4netns gets are inheritable (no close-on-exec) until it has started; ibuild's
        // ends are close-on-exec, so no other child ever holds the exit pipe's writer.
        var exitPipe = new AnonymousPipeServerStream(PipeDirection.Out, HandleInheritability.Inheritable);
        using var readyPipe = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.Inheritable);
        Process stack;
        try
        {
            stack = Start(networkNamespace, exitPipe.GetClientHandleAsString(), readyPipe.GetClientHandleAsString());
        }
        catch
        {
            exitPipe.Dispose();
            networkNamespace.Dispose();
            throw;
        }
        finally
        {
            exitPipe.DisposeLocalCopyOfClientHandle();
            readyPipe.DisposeLocalCopyOfClientHandle();
        }

        var network = new PrivateNetwork(networkNamespace, stack, exitPipe, new StackLog(stack));
        try
        {
            await network.WaitReadyAsync(readyPipe, cancellationToken);
            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops slirp4netns (closing its exit pipe, then a kill if it lingers) and closes the namespace.</summary>
    public async ValueTask DisposeAsync()
    {
        await exitPipe.DisposeAsync();
        using (var timeout = new CancellationTokenSource(StopTimeout))
        {
            try
            {
                await stack.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                stack.Kill();
                await stack.WaitForExitAsync(CancellationToken.None);
            }
        }

        await log.Drained;
        stack.Dispose();
        Namespace.Dispose();
    }

    private static Process Start(NetworkNamespace networkNamespace, string exitFd, string readyFd)
    {
        var start = new ProcessStartInfo(StackProgram)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            // A large MTU: slirp4netns ends TCP itself, so fewer, bigger packets cost less (rootlesskit's default).
            "--configure", "--mtu=65520", "--disable-host-loopback", "--enable-sandbox", "--enable-seccomp",
            $"--exit-fd={exitFd}", $"--ready-fd={readyFd}", "--netns-type=path", networkNamespace.Path, TapDevice,
        })
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            var process = Process.Start(start) ?? throw new NetworkUnavailableException($"{StackProgram} did not start", FailedHint);
            process.StandardInput.Close();
            return process;
        }
        catch (Win32Exception e)
        {
            var why = e.NativeErrorCode == 2 ? "" : $", which could not be run ({e.Message})";
            throw new NetworkUnavailableException(
                $"the private network needs {StackProgram} (Debian package {StackProgram}){why}", "install it, or use --network host|none", e);
        }
    }

    /// <summary>Waits for slirp4netns's "1" on the ready pipe: its tap0 is up, addressed and routed.</summary>
    private async Task WaitReadyAsync(AnonymousPipeServerStream readyPipe, CancellationToken cancellationToken)
    {
        var buffer = new byte[1];
        var ready = readyPipe.ReadAsync(buffer, CancellationToken.None).AsTask();
        var exited = stack.WaitForExitAsync(CancellationToken.None);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadyTimeout);
        var waited = Task.Delay(Timeout.Infinite, timeout.Token);
        var first = await Task.WhenAny(ready, exited, waited);
        await timeout.CancelAsync();
        if (first == ready && await ready == 1)
        {
            return;
        }

        // The read ends with slirp4netns (which held the only writer): observe it, whatever it got.
        _ = ready.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        cancellationToken.ThrowIfCancellationRequested();
        if (first == waited)
        {
            throw new NetworkUnavailableException($"{StackProgram} did not configure the network within {ReadyTimeout.TotalSeconds:F0} s", FailedHint);
        }

        await exited;
        await log.Drained;
        var errors = log.Errors();
        var hint = errors.Contains("/dev/net/tun", StringComparison.Ordinal) ? TunHint : FailedHint;
        throw new NetworkUnavailableException($"{StackProgram} failed (exit code {stack.ExitCode}): {errors}", hint);
    }

    /// <summary>slirp4netns's output, drained so it never blocks; its last error lines say why it failed.</summary>
    private sealed class StackLog
    {
        private const int Keep = 4096;
        private readonly System.Text.StringBuilder errors = new();

        public StackLog(Process process) =>
            Drained = Task.WhenAll(process.StandardOutput.BaseStream.CopyToAsync(Stream.Null), CollectAsync(process.StandardError));

        public Task Drained { get; }

        /// <summary>The last few lines of its standard error, without the warning <c>--enable-seccomp</c> always prints.</summary>
        public string Errors()
        {
            lock (errors)
            {
                var lines = errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Where(l => !l.StartsWith("WARNING: Support for seccomp is experimental", StringComparison.Ordinal)).TakeLast(3).ToList();
                return lines.Count > 0 ? string.Join("; ", lines) : "no message";
            }
        }

        private async Task CollectAsync(StreamReader reader)
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                lock (errors)
                {
                    errors.Append(line).Append('\n');
                    if (errors.Length > Keep)
                    {
                        errors.Remove(0, errors.Length - Keep);
                    }
                }
            }
        }
    }
}

/// <summary>The private network could not be started: <see cref="Exception.Message"/> says why, <see cref="Hint"/> what to do.</summary>
public sealed class NetworkUnavailableException(string message, string hint, Exception? inner = null) : Exception(message, inner)
{
    public string Hint { get; } = hint;
}
