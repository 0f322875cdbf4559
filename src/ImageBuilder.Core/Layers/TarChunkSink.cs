using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Layers;

/// <summary>
/// Collects the uncompressed tar stream into fixed-size chunks and hands every full chunk to the
/// encoder, hashing it for the diffID on the way: on a task of its own, so that reading the
/// files and hashing overlap (SHA-256 runs at 1.8 GB/s here and reading from the page cache at
/// about 4: a 200 MB layer's pack took 164 ms with the hash in line, 112 of them hashing). A
/// chunk is handed over only when more bytes need room, so the last chunk (the one
/// <see cref="CompleteAsync"/> marks final) is never empty: it holds at least the
/// end-of-archive blocks.
/// </summary>
internal sealed class TarChunkSink(LayerEncoder encoder, int chunkSize = TarChunkSink.DefaultChunkSize) : IAsyncDisposable
{
    public const int DefaultChunkSize = 1 << 20;

    /// <summary>Chunks read ahead of the hash, at most.</summary>
    private const int HashAhead = 3;

    private static readonly byte[] Zeros = new byte[2 * TarHeaderEncoder.BlockSize];

    private readonly IncrementalHash diffHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Channel<TarChunk> toHash = Channel.CreateBounded<TarChunk>(new BoundedChannelOptions(HashAhead)
    {
        SingleReader = true,
        SingleWriter = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly CancellationTokenSource stop = new();
    private byte[]? buffer = ArrayPool<byte>.Shared.Rent(chunkSize);
    private int filled;
    private Task? hasher;
    private long hashTicks;
    private bool disposed;

    /// <summary>Bytes of tar written so far.</summary>
    public long Length { get; private set; }

    /// <summary>Time spent hashing the tar for the diff id (the trace shows it); complete once <see cref="CompleteAsync"/> returned.</summary>
    public TimeSpan HashTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref hashTicks));

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            var space = await MakeRoomAsync(cancellationToken);
            var count = Math.Min(space.Length, data.Length);
            data.Span[..count].CopyTo(space.Span);
            Advance(count);
            data = data[count..];
        }
    }

    public ValueTask WriteZerosAsync(int count, CancellationToken cancellationToken) =>
        count == 0 ? ValueTask.CompletedTask : WriteAsync(Zeros.AsMemory(0, count), cancellationToken);

    /// <summary>Reads exactly <paramref name="count"/> bytes of <paramref name="source"/> straight
    /// into the chunk buffers (no intermediate copy).</summary>
    public async ValueTask CopyFromAsync(Stream source, long count, string path, CancellationToken cancellationToken)
    {
        var remaining = count;
        while (remaining > 0)
        {
            var space = await MakeRoomAsync(cancellationToken);
            var want = (int)Math.Min(space.Length, remaining);
            // Synchronous reads: the files are local, and an async read of a regular file only
            // adds a thread-pool hop per call, which costs more than the read for small files.
            var read = source.Read(space.Span[..want]);
            if (read == 0)
            {
                throw new IOException($"{path}: the file ended {remaining} bytes before its size ({count}) while packing; was it changed?");
            }

            Advance(read);
            remaining -= read;
        }
    }

    /// <summary>Hands the last chunk to the encoder (once every chunk is hashed) and returns the diffID.</summary>
    public async ValueTask<Digest> CompleteAsync(CancellationToken cancellationToken)
    {
        await HandOverAsync(isFinal: true, cancellationToken);
        toHash.Writer.TryComplete();
        await StartHasher(cancellationToken).WaitAsync(cancellationToken);
        return Digest.Parse("sha256:" + Convert.ToHexStringLower(diffHash.GetHashAndReset()));
    }

    /// <summary>Stops the hash task (a pack that failed or was cancelled) and returns the buffers it did not take.</summary>
    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        toHash.Writer.TryComplete();
        await stop.CancelAsync();
        try
        {
            if (hasher is not null)
            {
                await hasher;
            }
        }
        catch (Exception)
        {
            // Already reported through HandOverAsync or CompleteAsync, or the pack was abandoned.
        }

        while (toHash.Reader.TryRead(out var left))
        {
            left.Return();
        }

        stop.Dispose();
        diffHash.Dispose();
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = null;
        }
    }

    private async ValueTask<Memory<byte>> MakeRoomAsync(CancellationToken cancellationToken)
    {
        var buffer = this.buffer ?? throw new InvalidOperationException("the tar stream is already complete");
        if (filled == chunkSize)
        {
            await HandOverAsync(isFinal: false, cancellationToken);
            buffer = this.buffer!;
        }

        return buffer.AsMemory(filled, chunkSize - filled);
    }

    private void Advance(int count)
    {
        filled += count;
        Length += count;
    }

    private async ValueTask HandOverAsync(bool isFinal, CancellationToken cancellationToken)
    {
        var buffer = this.buffer ?? throw new InvalidOperationException("the tar stream is already complete");
        var chunk = new TarChunk(buffer, filled, isFinal);
        this.buffer = isFinal ? null : ArrayPool<byte>.Shared.Rent(chunkSize);
        filled = 0;
        var hashing = StartHasher(cancellationToken);
        try
        {
            await toHash.Writer.WriteAsync(chunk, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            // The hash task failed (the encoder did) and closed the queue: its exception is the one to report.
            await hashing;
            throw;
        }
    }

    /// <summary>
    /// The task that hashes each chunk, in order, then hands it to the encoder; it stops on the
    /// token of the first hand-over (a pack passes one token throughout) or when the sink is disposed.
    /// </summary>
    private Task StartHasher(CancellationToken cancellationToken) => hasher ??= Task.Run(
        async () =>
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stop.Token);
            try
            {
                await foreach (var chunk in toHash.Reader.ReadAllAsync(linked.Token))
                {
                    var started = Stopwatch.GetTimestamp();
                    diffHash.AppendData(chunk.Buffer, 0, chunk.Length);
                    Interlocked.Add(ref hashTicks, Stopwatch.GetTimestamp() - started);
                    await encoder.WriteAsync(chunk, linked.Token);
                }
            }
            catch (Exception error)
            {
                toHash.Writer.TryComplete(error);
                throw;
            }
        },
        CancellationToken.None);
}
