using ZstdSharp;

namespace ImageBuilder.Core.Layers;

/// <summary>
/// The content of one tar entry: exactly <see cref="Length"/> bytes of the tar stream. A tar
/// that ends early, or a gzip/zstd stream that is corrupt, surfaces here as a
/// <see cref="LayerFormatException"/> naming the entry; any other failure of the source (a
/// network error, say) passes through unchanged and is remembered in <see cref="SourceFault"/>
/// so the unpacker does not blame the snapshot writer for it.
/// </summary>
public sealed class TarEntryContent(Stream input, long length, string entryName) : ForwardReadStream
{
    public string EntryName => entryName;

    public long Remaining { get; private set; } = length;

    public Exception? SourceFault { get; private set; }

    public override long Length { get; } = length;

    public override long Position
    {
        get => Length - Remaining;
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// The exception a failed read of the (decompressed) layer should surface as: gzip reports
    /// corruption as InvalidDataException, zstd as ZstdException, and a cut-off zstd frame as
    /// EndOfStreamException.
    /// </summary>
    public static LayerFormatException? AsCorruption(Exception error, string? entryName) =>
        error is InvalidDataException or ZstdException or EndOfStreamException
            ? new LayerFormatException(LayerFormatReason.Malformed, entryName, $"the compressed layer stream is corrupt: {error.Message}", error)
            : null;

    public override int Read(Span<byte> buffer)
    {
        if (Remaining == 0 || buffer.IsEmpty)
        {
            return 0;
        }

        int count;
        try
        {
            count = input.Read(buffer[..(int)Math.Min(buffer.Length, Remaining)]);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            if (Fault(error) is { } corruption)
            {
                throw corruption;
            }

            throw;
        }

        return Account(count);
    }

    /// <summary>A read failure as the unpacker reports it: corrupt data becomes the entry's
    /// format error (returned); anything else is remembered as a fault of the source (null:
    /// the caller rethrows it as it was).</summary>
    private Exception? Fault(Exception error)
    {
        if (AsCorruption(error, entryName) is { } corruption)
        {
            return corruption;
        }

        SourceFault = error;
        return null;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Remaining == 0 || buffer.IsEmpty)
        {
            return 0;
        }

        int count;
        try
        {
            count = await input.ReadAsync(buffer[..(int)Math.Min(buffer.Length, Remaining)], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            if (Fault(error) is { } corruption)
            {
                throw corruption;
            }

            throw;
        }

        return Account(count);
    }

    private int Account(int count)
    {
        if (count == 0)
        {
            throw new LayerFormatException(
                LayerFormatReason.Malformed, entryName, $"the layer ends {Remaining} bytes before the end of this entry's content");
        }

        Remaining -= count;
        return count;
    }
}
