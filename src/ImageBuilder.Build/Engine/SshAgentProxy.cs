using System.Buffers.Binary;
using System.Net.Sockets;

namespace ImageBuilder.Build.Engine;

/// <summary>
/// The socket a RUN --mount=type=ssh step sees: every connection is served from a connection of
/// its own to the user's agent, one message at a time, as BuildKit's read-only agent serves it —
/// a step may list the agent's keys and have it sign, nothing else (adding, removing, locking keys
/// and extensions are answered SSH_AGENT_FAILURE and never reach the agent). The socket is made
/// at <see cref="Path"/>; disposing stops serving and removes it.
/// </summary>
public sealed class SshAgentProxy : IDisposable
{
    /// <summary>OpenSSH's limit on one agent message (AGENT_MAX_LEN).</summary>
    private const int MaxMessage = 256 * 1024;
    private const byte RequestIdentities = 11;
    private const byte SignRequest = 13;
    private static readonly byte[] Failure = [0, 0, 0, 1, 5];

    private readonly Socket listener;
    private readonly string agent;
    private readonly CancellationTokenSource stop = new();

    private SshAgentProxy(string agent, string path)
    {
        this.agent = agent;
        Path = path;
        listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(16);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _ = Task.Run(AcceptAsync);
    }

    public string Path { get; }

    /// <summary>Serves <paramref name="agent"/> (a socket's path) at the new socket <paramref name="path"/>.</summary>
    /// <exception cref="SocketException">The socket cannot be made there (a path longer than a socket's 107 bytes, among others).</exception>
    public static SshAgentProxy Start(string agent, string path) => new(agent, path);

    public void Dispose()
    {
        stop.Cancel();
        listener.Dispose();
        File.Delete(Path);
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using var clientStream = new NetworkStream(client, ownsSocket: true);
        Socket? upstream = null;
        NetworkStream? upstreamStream = null;
        try
        {
            while (await ReadMessageAsync(clientStream) is { } request)
            {
                if (request.Length < 5 || request[4] is not (RequestIdentities or SignRequest))
                {
                    await clientStream.WriteAsync(Failure, stop.Token);
                    continue;
                }

                if (upstreamStream is null)
                {
                    upstream = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await upstream.ConnectAsync(new UnixDomainSocketEndPoint(agent), stop.Token);
                    upstreamStream = new NetworkStream(upstream, ownsSocket: true);
                }

                await upstreamStream.WriteAsync(request, stop.Token);
                var answer = await ReadMessageAsync(upstreamStream) ?? throw new IOException("the ssh agent closed the connection");
                await clientStream.WriteAsync(answer, stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The step or the agent went away, or the step ended: the connection ends with it.
        }
        finally
        {
            upstreamStream?.Dispose();
            upstream?.Dispose();
        }
    }

    /// <summary>One message with its 4-byte length; null at the end of the stream; an oversized one ends the connection.</summary>
    private async Task<byte[]?> ReadMessageAsync(Stream stream)
    {
        var header = new byte[4];
        try
        {
            await stream.ReadExactlyAsync(header, stop.Token);
        }
        catch (EndOfStreamException)
        {
            return null;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length is 0 or > MaxMessage)
        {
            throw new IOException($"an ssh agent message of {length} bytes");
        }

        var message = new byte[4 + length];
        header.CopyTo(message, 0);
        await stream.ReadExactlyAsync(message.AsMemory(4), stop.Token);
        return message;
    }
}
