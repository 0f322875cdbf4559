using System.IO.Compression;
using System.Security.Cryptography;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ZstdSharp;

namespace ImageBuilder.Core.Tests.Layers;

/// <summary>A layer packed in memory, with ways to look inside it.</summary>
internal sealed record PackedBlob(PackedLayer Layer, byte[] Blob, LayerCompression Compression)
{
    public static async Task<PackedBlob> PackAsync(IFileTreeReader tree, LayerPackOptions? options = null)
    {
        options ??= new LayerPackOptions(LayerCompression.None);
        using var output = new MemoryStream();
        var layer = await new LayerPacker(tree).PackAsync("/unused", output, options, CancellationToken.None);
        return new PackedBlob(layer, output.ToArray(), options.Compression);
    }

    public byte[] Tar() => Compression switch
    {
        LayerCompression.None => Blob,
        LayerCompression.Gzip => Decode(new GZipStream(new MemoryStream(Blob), CompressionMode.Decompress)),
        LayerCompression.Zstd => Decode(new DecompressionStream(new MemoryStream(Blob))),
        _ => throw new ArgumentOutOfRangeException(),
    };

    public List<StrictTarEntry> Entries() => StrictTar.Read(Tar());

    public static string Sha256(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static byte[] Decode(Stream stream)
    {
        using (stream)
        {
            using var tar = new MemoryStream();
            stream.CopyTo(tar);
            return tar.ToArray();
        }
    }
}
