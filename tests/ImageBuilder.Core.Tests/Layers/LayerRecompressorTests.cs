using System.IO.Abstractions;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;
using ImageBuilder.Core.Tests.Archives;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Core.Tests.Layers;

public sealed class LayerRecompressorTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    /// <summary>A Docker-typed image with uncompressed layers, as a pull of such an image stores it.</summary>
    private static ImageRecord DockerImage(ContentStore store, TestArchive archive)
    {
        var config = archive.Config;
        var diffIds = OciJson.Deserialize<ImageConfig>(config).RootFs.DiffIds;
        var tars = archive.Layers.Select(l => new System.IO.Compression.GZipStream(new MemoryStream(l), System.IO.Compression.CompressionMode.Decompress))
            .Select(s => { using var b = new MemoryStream(); s.CopyTo(b); return b.ToArray(); }).ToList();
        var manifest = new ImageManifest
        {
            MediaType = MediaTypes.DockerManifest,
            Config = new Descriptor { MediaType = MediaTypes.DockerConfig, Digest = store.WriteBlob(config), Size = config.Length },
            Layers = tars.Select(t => new Descriptor { MediaType = MediaTypes.DockerLayer, Digest = store.WriteBlob(t), Size = t.Length }).ToList(),
        };
        var bytes = OciJson.Serialize(manifest);
        return new ImageRecord(
            new Descriptor { MediaType = MediaTypes.DockerManifest, Digest = store.WriteBlob(bytes), Size = bytes.Length },
            manifest, OciJson.Deserialize<ImageConfig>(config), []);
    }

    [Fact]
    public async Task Gzip_layers_of_a_docker_image_take_docker_types_and_zstd_ones_make_the_manifest_oci()
    {
        var store = ContentStore.Open(new FileSystem(), dir.Combine("store"));
        var image = DockerImage(store, TestArchive.Image("one", "two"));
        var recompressor = new LayerRecompressor(store);

        var gzip = await recompressor.ConvertAsync(image, LayerCompression.Gzip, CancellationToken.None);
        var zstd = await recompressor.ConvertAsync(image, LayerCompression.Zstd, CancellationToken.None);

        Assert.Equal(MediaTypes.DockerManifest, gzip.ManifestDescriptor.MediaType);
        Assert.Equal([MediaTypes.DockerManifest, MediaTypes.DockerConfig, MediaTypes.DockerLayerGzip, MediaTypes.DockerLayerGzip],
            [gzip.Manifest.MediaType!, gzip.Manifest.Config.MediaType, .. gzip.Manifest.Layers.Select(l => l.MediaType)]);
        Assert.Equal(MediaTypes.OciManifest, zstd.ManifestDescriptor.MediaType);
        Assert.Equal([MediaTypes.OciManifest, MediaTypes.OciConfig, MediaTypes.OciLayerZstd, MediaTypes.OciLayerZstd],
            [zstd.Manifest.MediaType!, zstd.Manifest.Config.MediaType, .. zstd.Manifest.Layers.Select(l => l.MediaType)]);
        Assert.Equal(image.Id, zstd.Id);
        Assert.Equal(OciJson.Serialize(zstd.Manifest), store.ReadBlob(zstd.ManifestDescriptor.Digest));

        // A conversion is a check too: the blobs it read and wrote are recorded with their diff ids.
        Assert.Equal(image.Config.RootFs.DiffIds, gzip.Manifest.Layers.Select(l => store.FindLayerDiffId(l.Digest)!.Value));
        Assert.Equal(image.Config.RootFs.DiffIds, image.Manifest.Layers.Select(l => store.FindLayerDiffId(l.Digest)!.Value));
    }
}
