using System.IO.Compression;
using System.Text;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Tests.Layers;

/// <summary>Parallel gzip stores chunks that do not compress instead of deflating them for nothing.</summary>
public sealed class IncompressibleChunkTests
{
    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] Text(int length) =>
        Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, length / 6 + 1).Select(i => $"{i}\n")))[..length];

    [Fact]
    public void Random_bytes_are_incompressible_and_text_and_small_chunks_are_not()
    {
        Assert.True(ParallelGzipEncoder.IsIncompressible(RandomBytes(1 << 20, 1)));
        Assert.False(ParallelGzipEncoder.IsIncompressible(Text(1 << 20)));
        Assert.False(ParallelGzipEncoder.IsIncompressible(RandomBytes(4096, 2)));
    }

    [Fact]
    public async Task A_gzip_layer_of_mixed_chunks_decompresses_to_its_tar_and_stays_small_where_it_can()
    {
        // A 1 MiB random file then a text file of 3 MiB: chunks of both kinds, and one that straddles them.
        var tree = new FakeFileTree()
            .File("random.bin", RandomBytes(1 << 20, 3))
            .File("numbers.txt", Text(3 << 20));
        var packer = new LayerPacker(tree);
        using var gzip = new MemoryStream();
        using var plain = new MemoryStream();
        var packed = await packer.PackAsync("/", gzip, new LayerPackOptions(LayerCompression.Gzip), CancellationToken.None);
        await packer.PackAsync("/", plain, new LayerPackOptions(LayerCompression.None), CancellationToken.None);

        gzip.Position = 0;
        using var inflated = new MemoryStream();
        await using (var reader = new GZipStream(gzip, CompressionMode.Decompress, leaveOpen: true))
        {
            await reader.CopyToAsync(inflated);
        }

        Assert.Equal(plain.ToArray(), inflated.ToArray());
        Assert.True(packed.Size < (1 << 20) + (1 << 20), $"the text must still compress well: {packed.Size} bytes");
    }
}
