namespace ImageBuilder.Core.Layers;

/// <summary>The compressions a tar is found in (layers: none, gzip, zstd; ADD's local archives: all five).</summary>
public enum TarCompression
{
    None,
    Gzip,
    Bzip2,
    Xz,
    Zstd,
}

/// <summary>
/// Tells a compression by the first bytes of the data, never by a file name, as docker's
/// <c>DecompressStream</c> does: the one sniffer for layers and ADD's archives.
/// </summary>
public static class CompressionMagic
{
    /// <summary>How many leading bytes <see cref="Detect"/> looks at (the longest magic, xz's).</summary>
    public const int HeadLength = 6;

    /// <summary>The compression of data starting with <paramref name="head"/> (at most <see cref="HeadLength"/> bytes are read).</summary>
    public static TarCompression Detect(ReadOnlySpan<byte> head) =>
        head.StartsWith((ReadOnlySpan<byte>)[0x1f, 0x8b]) ? TarCompression.Gzip
        : head.StartsWith("BZh"u8) ? TarCompression.Bzip2
        : head.StartsWith((ReadOnlySpan<byte>)[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) ? TarCompression.Xz
        : head.StartsWith((ReadOnlySpan<byte>)[0x28, 0xb5, 0x2f, 0xfd]) ? TarCompression.Zstd
        : TarCompression.None;
}
