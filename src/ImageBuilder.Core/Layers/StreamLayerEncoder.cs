using System.Threading.Channels;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace ImageBuilder.Core.Layers;

/// <summary>
/// Writes the chunks, in order, through one compressing stream (or none) on the consumer task:
/// the walk reads files and the sink's task hashes them while this compresses.
/// </summary>
internal sealed class StreamLayerEncoder(Stream output, Func<Stream, Stream> openEncoder, bool hashOutput)
    : QueuedLayerEncoder<TarChunk>(output, capacity: 4, hashOutput)
{
    protected override TarChunk Prepare(TarChunk chunk) => chunk;

    protected override async Task ConsumeAsync(ChannelReader<TarChunk> items, CancellationToken cancellationToken)
    {
        var encoder = openEncoder(Output);
        var ownsEncoder = !ReferenceEquals(encoder, Output);
        try
        {
            await foreach (var chunk in items.ReadAllAsync(cancellationToken))
            {
                await encoder.WriteAsync(chunk.Memory, cancellationToken);
                chunk.Return();
            }
        }
        catch (Exception) when (ownsEncoder)
        {
            try
            {
                await encoder.DisposeAsync();
            }
            catch (Exception)
            {
                // The first failure is the one to report.
            }

            throw;
        }

        // For zstd this ends the frame. The plain tar writes straight to the digesting stream,
        // which the base class disposes.
        if (ownsEncoder)
        {
            await encoder.DisposeAsync();
        }
    }
}

/// <summary>Zstd settings of a layer blob: one frame, level 3, with a content checksum, as the zstd CLI writes.</summary>
internal static class ZstdLayerCompression
{
    public const int Level = 3;

    public static Stream Open(Stream destination)
    {
        var stream = new CompressionStream(destination, Level, bufferSize: 0, leaveOpen: true);
        stream.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
        return stream;
    }
}
