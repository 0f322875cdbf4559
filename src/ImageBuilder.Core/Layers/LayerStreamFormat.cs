using System.IO.Compression;
using ImageBuilder.Core.Oci;
using ZstdSharp;

namespace ImageBuilder.Core.Layers;

/// <summary>
/// Tells gzip, zstd and plain tar apart by their first bytes (<see cref="CompressionMagic"/>)
/// and opens the uncompressed tar stream; a layer in any other compression reads as a plain tar
/// (and fails as one). The input is only read forward (it may be a network stream): the peeked bytes are
/// replayed in front of the rest.
/// </summary>
public static class LayerStreamFormat
{
    /// <summary>The compression that a stream starting with <paramref name="head"/> uses.</summary>
    public static LayerCompression Detect(ReadOnlySpan<byte> head) => CompressionMagic.Detect(head) switch
    {
        TarCompression.Gzip => LayerCompression.Gzip,
        TarCompression.Zstd => LayerCompression.Zstd,
        _ => LayerCompression.None,
    };

    /// <summary>
    /// Peeks at <paramref name="layer"/> and returns the uncompressed tar stream over it.
    /// Disposing the result leaves <paramref name="layer"/> open.
    /// </summary>
    public static async Task<(LayerCompression Compression, Stream Tar)> OpenAsync(Stream layer, CancellationToken cancellationToken)
    {
        var head = new byte[CompressionMagic.HeadLength];
        var count = await layer.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken)
            .ConfigureAwait(false);
        var compression = Detect(head.AsSpan(0, count));
        Stream replayed = new ReplayPrefixStream(head.AsMemory(0, count), layer);
        var tar = compression switch
        {
            LayerCompression.Gzip => new GZipStream(replayed, CompressionMode.Decompress, leaveOpen: false),
            LayerCompression.Zstd => new DecompressionStream(replayed, leaveOpen: false),
            _ => replayed,
        };
        return (compression, tar);
    }
}
