using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Threading.Channels;

namespace ImageBuilder.Core.Layers;

/// <summary>
/// Gzip on all cores, the way pigz does it, still one gzip member: every chunk of the tar is
/// deflated on its own (a fresh raw deflate stream per chunk, run on the thread pool) and
/// every chunk but the last ends with a sync flush, which closes the deflate block and
/// byte-aligns the output with an empty stored block (<c>00 00 ff ff</c>). Such pieces
/// concatenate into one valid deflate stream; only the last chunk sets the final-block bit.
/// The consumer writes the gzip header, the pieces in tar order, then the CRC-32 and length
/// of the uncompressed data (computed here, in order, with System.IO.Hashing's <see cref="Crc32"/>).
/// </summary>
/// <remarks>
/// Back-references never cross a chunk boundary (pigz primes each chunk with the previous
/// 32 KiB; System.IO.Compression cannot set a dictionary), which costs well under 1% of size
/// at 1 MiB chunks. The output depends only on the bytes and the chunk size, never on thread
/// timing, so packs stay reproducible. The queue holds at most a few chunks in flight, each
/// about 1 MiB in and 1 MiB out.
/// </remarks>
internal sealed class ParallelGzipEncoder(Stream output, int level)
    : QueuedLayerEncoder<Task<DeflatedChunk>>(output, capacity: Math.Max(2, Environment.ProcessorCount * 2))
{
    public const int DefaultLevel = 6;

    private readonly int level = level is >= 1 and <= 9
        ? level
        : throw new ArgumentOutOfRangeException(nameof(level), level, "gzip level must be 1 to 9");

    protected override Task<DeflatedChunk> Prepare(TarChunk chunk) => Task.Run(() => Deflate(chunk, level));

    protected override async Task ConsumeAsync(ChannelReader<Task<DeflatedChunk>> items, CancellationToken cancellationToken)
    {
        await Output.WriteAsync(Header(level), cancellationToken);
        var crc = new Crc32();
        long length = 0;
        var ended = false;
        await foreach (var pending in items.ReadAllAsync(cancellationToken))
        {
            var deflated = await pending.WaitAsync(cancellationToken);
            crc.Append(deflated.Input.Span);
            length += deflated.Input.Length;
            await Output.WriteAsync(deflated.Output.Memory, cancellationToken);
            ended = deflated.Input.IsFinal;
            deflated.Input.Return();
            deflated.Output.Return();
        }

        if (!ended)
        {
            // No final chunk came (an empty tar): close the deflate stream with an empty final block.
            await Output.WriteAsync(new byte[] { 0x03, 0x00 }, cancellationToken);
        }

        var trailer = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, crc.GetCurrentHashAsUInt32());
        BinaryPrimitives.WriteUInt32LittleEndian(trailer.AsSpan(4), (uint)length); // ISIZE: length mod 2^32
        await Output.WriteAsync(trailer, cancellationToken);
    }

    private static DeflatedChunk Deflate(TarChunk chunk, int level)
    {
        var compressed = new PooledBufferStream(chunk.Length + (chunk.Length >> 3) + 1024);
        // Data that does not compress (random bytes, already compressed files) is stored, not
        // searched for matches: deflating it at level 6 costs ~17 ns a byte for nothing.
        var effective = IsIncompressible(chunk.Span) ? 0 : level;
        var deflate = new DeflateStream(compressed, new ZLibCompressionOptions { CompressionLevel = effective }, leaveOpen: true);
        deflate.Write(chunk.Span);
        if (chunk.IsFinal)
        {
            deflate.Dispose(); // Z_FINISH: the final block.
            if (compressed.Length == 0)
            {
                compressed.Write([0x03, 0x00]); // DeflateStream writes nothing for no input
            }
        }
        else
        {
            deflate.Flush(); // Z_SYNC_FLUSH: block closed, output byte-aligned.
            var aligned = compressed.Length;
            deflate.Dispose(); // appends a final block this piece must not carry
            compressed.SetLength(aligned);
        }

        return new DeflatedChunk(chunk, compressed);
    }

    /// <summary>
    /// True when a sample from the middle of the chunk shrinks by less than 2% at level 1: the
    /// chunk is then stored. Deterministic (a function of the bytes), so blobs stay reproducible.
    /// </summary>
    internal static bool IsIncompressible(ReadOnlySpan<byte> data)
    {
        const int SampleSize = 16 * 1024;
        if (data.Length < 4 * SampleSize)
        {
            return false;
        }

        var sample = data.Slice((data.Length - SampleSize) / 2, SampleSize);
        using var probe = new MemoryStream(SampleSize + 1024);
        using (var deflate = new DeflateStream(probe, new ZLibCompressionOptions { CompressionLevel = 1 }, leaveOpen: true))
        {
            deflate.Write(sample);
        }

        return probe.Length >= SampleSize * 98 / 100;
    }

    // RFC 1952 member header: no name, no time (mtime 0 keeps the blob reproducible), XFL as
    // gzip and Go set it for the fastest and best levels, OS 255 "unknown" as Go writes.
    private static byte[] Header(int level) =>
        [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, level switch { 1 => (byte)4, 9 => (byte)2, _ => (byte)0 }, 0xff];
}

/// <summary>A chunk of tar and its deflated form, both holding pooled buffers.</summary>
internal sealed record DeflatedChunk(TarChunk Input, PooledBufferStream Output);
