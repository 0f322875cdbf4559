using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Layers;

/// <summary>
/// Collects the uncompressed tar stream into fixed-size chunks, hashes it for the diffID as it
/// goes, and hands every full chunk to the encoder. A chunk is handed over only when more
/// bytes need room, so the last chunk (the one <see cref="CompleteAsync"/> marks final) is
/// never empty: it holds at least the end-of-archive blocks.
/// </summary>
internal sealed class TarChunkSink(LayerEncoder encoder, int chunkSize = TarChunkSink.DefaultChunkSize) : IDisposable
{
    public const int DefaultChunkSize = 1 << 20;

    private static readonly byte[] Zeros = new byte[2 * TarHeaderEncoder.BlockSize];

    private readonly IncrementalHash diffHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private byte[]? buffer = ArrayPool<byte>.Shared.Rent(chunkSize);
    private int filled;

    /// <summary>Bytes of tar written so far.</summary>
    public long Length { get; private set; }

    /// <summary>Time spent hashing the tar for the diff id (the trace shows it).</summary>
    public TimeSpan HashTime { get; private set; }

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

    /// <summary>Hands the last chunk to the encoder and returns the diffID.</summary>
    public async ValueTask<Digest> CompleteAsync(CancellationToken cancellationToken)
    {
        await HandOverAsync(isFinal: true, cancellationToken);
        return Digest.Parse("sha256:" + Convert.ToHexStringLower(diffHash.GetHashAndReset()));
    }

    public void Dispose()
    {
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

    private ValueTask HandOverAsync(bool isFinal, CancellationToken cancellationToken)
    {
        var buffer = this.buffer ?? throw new InvalidOperationException("the tar stream is already complete");
        var started = Stopwatch.GetTimestamp();
        diffHash.AppendData(buffer, 0, filled);
        HashTime += Stopwatch.GetElapsedTime(started);
        var chunk = new TarChunk(buffer, filled, isFinal);
        this.buffer = isFinal ? null : ArrayPool<byte>.Shared.Rent(chunkSize);
        filled = 0;
        return encoder.WriteAsync(chunk, cancellationToken);
    }
}
