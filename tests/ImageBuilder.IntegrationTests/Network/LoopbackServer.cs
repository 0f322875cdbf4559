using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ImageBuilder.IntegrationTests.Network;

/// <summary>
/// A TCP server on the host's 127.0.0.1 (an ephemeral port), standing for a service a build must
/// not reach: it answers whoever connects with an HTTP response whose body is <see cref="Secret"/>
/// (for <c>wget</c>; <c>nc</c> prints it whole), and counts them.
/// </summary>
internal sealed class LoopbackServer : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private int connections;

    public LoopbackServer()
    {
        listener.Start();
        _ = AcceptAsync();
    }

    public string Secret { get; } = "loopback-secret-" + Guid.NewGuid().ToString("N");

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>How many connections it accepted.</summary>
    public int Connections => Volatile.Read(ref connections);

    public void Dispose() => listener.Stop();

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync();
                Interlocked.Increment(ref connections);
                var response = $"HTTP/1.0 200 OK\r\nContent-Length: {Secret.Length}\r\nConnection: close\r\n\r\n{Secret}";
                await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(response));
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }
}
