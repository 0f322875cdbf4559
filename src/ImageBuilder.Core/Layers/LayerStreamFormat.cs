using System.IO.Compression;
using ImageBuilder.Core.Oci;
using ZstdSharp;

namespace ImageBuilder.Core.Layers;

/// <summary>
/// Tells gzip, zstd and plain tar apart by their first bytes and opens the uncompressed tar
/// stream. The input is only read forward (it may be a network stream): the peeked bytes are
/// replayed in front of the rest.
/// </summary>
public static class LayerStreamFormat
{
    private static ReadOnlySpan<byte> GzipMagic => [0x1f, 0x8b];

    private static ReadOnlySpan<byte> ZstdMagic => [0x28, 0xb5, 0x2f, 0xfd];

    /// <summary>The compression that a stream starting with <paramref name="head"/> uses.</summary>
    public static LayerCompression Detect(ReadOnlySpan<byte> head) =>
        head.StartsWith(GzipMagic) ? LayerCompression.Gzip
        : head.StartsWith(ZstdMagic) ? LayerCompression.Zstd
        : LayerCompression.None;

    /// <summary>
    /// Peeks at <paramref name="layer"/> and returns the uncompressed tar stream over it.
    /// Disposing the result leaves <paramref name="layer"/> open.
    /// </summary>
    public static async Task<(LayerCompression Compression, Stream Tar)> OpenAsync(Stream layer, CancellationToken cancellationToken)
    {
        var head = new byte[ZstdMagic.Length];
        var count = await layer.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken)
            .ConfigureAwait(false);
        var compression = Detect(head.AsSpan(0, count));
        Stream replayed = new ReplayPrefixStream(head.AsMemory(0, count), layer);
        Stream tar = compression switch
        {
            LayerCompression.Gzip => new GZipStream(replayed, CompressionMode.Decompress, leaveOpen: false),
            LayerCompression.Zstd => new DecompressionStream(replayed, leaveOpen: false),
            _ => replayed,
        };
        return (compression, tar);
    }
}
