using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ImageBuilder.Registry.Tests.Fixtures;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of a registry that drops the first connection carrying a
/// blob GET once it has passed <c>cutAfter</c> bytes of the answer, and records every request head.
/// </summary>
internal sealed class CuttingProxy : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly int upstreamPort;
    private readonly long cutAfter;
    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> connections = [];
    private readonly StringBuilder requests = new();
    private readonly Task accepting;
    private int cuts;

    public CuttingProxy(int upstreamPort, long cutAfter)
    {
        this.upstreamPort = upstreamPort;
        this.cutAfter = cutAfter;
        listener.Start();
        accepting = Task.Run(AcceptAsync);
    }

    public string Host => $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";

    /// <summary>How many connections were cut.</summary>
    public int Cuts => Volatile.Read(ref cuts);

    /// <summary>Everything clients sent (request heads and bodies), as text.</summary>
    public string Requests
    {
        get
        {
            lock (requests)
            {
                return requests.ToString();
            }
        }
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (connections)
            {
                connections.Add(Task.Run(() => RelayAsync(client)));
            }
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, upstreamPort, stop.Token);
                var carriesBlob = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                var up = PumpRequestsAsync(client.GetStream(), upstream.GetStream(), carriesBlob);
                var down = PumpAnswersAsync(upstream.GetStream(), client.GetStream(), carriesBlob.Task);
                await Task.WhenAny(up, down);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }

            client.Client.LingerState = new LingerOption(true, 0);
        }
    }

    private async Task PumpRequestsAsync(Stream from, Stream to, TaskCompletionSource<bool> carriesBlob)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, stop.Token)) > 0)
        {
            var text = Encoding.Latin1.GetString(buffer, 0, read);
            lock (requests)
            {
                requests.Append(text);
            }

            if (text.StartsWith("GET /v2/", StringComparison.Ordinal) && text.Contains("/blobs/", StringComparison.Ordinal))
            {
                carriesBlob.TrySetResult(true);
            }

            await to.WriteAsync(buffer.AsMemory(0, read), stop.Token);
        }
    }

    private async Task PumpAnswersAsync(Stream from, Stream to, Task<bool> carriesBlob)
    {
        var buffer = new byte[16 * 1024];
        long passed = 0;
        int read;
        while ((read = await from.ReadAsync(buffer, stop.Token)) > 0)
        {
            var cut = carriesBlob.IsCompleted && passed + read > cutAfter && Interlocked.CompareExchange(ref cuts, 1, 0) == 0;
            if (cut)
            {
                await to.WriteAsync(buffer.AsMemory(0, (int)Math.Max(0, cutAfter - passed)), stop.Token);
                return;
            }

            await to.WriteAsync(buffer.AsMemory(0, read), stop.Token);
            passed += read;
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        accepting.Wait();
        Task[] running;
        lock (connections)
        {
            running = [.. connections];
        }

        Task.WaitAll(running);
        listener.Dispose();
        stop.Dispose();
    }
}
