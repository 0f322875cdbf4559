using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Registry;

/// <summary>Ctrl-C while a build's FROM pull waits on a registry that never answers: the build ends at once, cleanly.</summary>
public sealed class PullInterruptTests : IDisposable
{
    private readonly BuildFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    [RootFact]
    public async Task Sigint_during_a_FROM_pull_ends_the_build_with_130_and_leaves_the_store_usable()
    {
        using var registry = new SilentRegistry();
        fixture.Write("Dockerfile", $"FROM 127.0.0.1:{registry.Port}/stalled/base:1\nRUN true\n");
        using var process = Process.Start(Tools.IbuildProcess("--root", fixture.Store, "build", "--progress", "plain", fixture.Context))!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();

        // Hang guards only: the request arrives in well under a second, the exit right after the signal.
        await registry.RequestSeen.Task.WaitAsync(TimeSpan.FromMinutes(2));
        (await Tools.Run("kill", "-INT", process.Id.ToString(CultureInfo.InvariantCulture))).Ok();
        await Task.WhenAny(process.WaitForExitAsync(), Task.Delay(TimeSpan.FromMinutes(2)));
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        Assert.True(process.HasExited, "the build did not end after SIGINT");
        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}\n{await stdout}\n{await stderr}");
        Assert.Contains("ibuild: cancelled", await stderr);
        fixture.AssertNothingLeft();
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(fixture.Store, "blobs", "sha256")));

        // No lock is left held: commands that take the store's locks run on the same root.
        (await Tools.Ibuild("--root", fixture.Store, "images")).Ok();
        (await Tools.Ibuild("--root", fixture.Store, "prune")).Ok();
    }

    /// <summary>A "registry" on 127.0.0.1 that accepts connections, reads what is sent and never answers.</summary>
    private sealed class SilentRegistry : IDisposable
    {
        private readonly TcpListener listener = new(IPAddress.Loopback, 0);
        private readonly List<TcpClient> connections = [];
        private readonly CancellationTokenSource stop = new();

        public SilentRegistry()
        {
            listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

        /// <summary>Completes when the first bytes of a request (a TLS hello or an HTTP request) arrive.</summary>
        public TaskCompletionSource RequestSeen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Dispose()
        {
            stop.Cancel();
            listener.Stop();
            lock (connections)
            {
                connections.ForEach(c => c.Dispose());
            }

            stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await listener.AcceptTcpClientAsync(stop.Token);
                    lock (connections)
                    {
                        connections.Add(client);
                    }

                    _ = ReadForeverAsync(client);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }

        private async Task ReadForeverAsync(TcpClient client)
        {
            var buffer = new byte[4096];
            try
            {
                while (await client.GetStream().ReadAsync(buffer, stop.Token) > 0)
                {
                    RequestSeen.TrySetResult();
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
            {
                // The client went away, or the test is over.
            }
        }
    }
}
