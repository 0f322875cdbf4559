using System.Formats.Tar;
using System.IO.Abstractions;
using ImageBuilder.Core.Archives;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;
using ImageBuilder.Core.Tests.Layers;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Core.Tests.Archives;

public sealed class ImageSaverTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Theory]
    [InlineData(ArchiveFormat.Docker)]
    [InlineData(ArchiveFormat.Oci)]
    public async Task A_stored_manifest_that_mixes_families_is_saved_unified_and_loads_back_as_the_same_image(ArchiveFormat format)
    {
        // An OCI manifest over a Docker-typed base layer, as an older ibuild built it.
        var store = ContentStore.Open(new FileSystem(), dir.Combine("store"));
        var image = TestArchive.Image("base", "app");
        var config = store.WriteBlob(image.Config);
        var layers = image.Layers.Select((l, i) => Descriptor.ForContent(i == 0 ? MediaTypes.DockerLayerGzip : MediaTypes.OciLayerGzip, l)).ToList();
        foreach (var layer in image.Layers)
        {
            store.WriteBlob(layer);
        }

        var mixed = new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = config, Size = image.Config.Length },
            Layers = layers,
        };
        var bytes = OciJson.Serialize(mixed);
        var name = ImageReference.Parse("app:1");
        store.Tag(new Descriptor { MediaType = MediaTypes.OciManifest, Digest = store.WriteBlob(bytes), Size = bytes.Length }, name);

        var archive = new MemoryStream();
        await new ImageSaver(store).WriteAsync([(store.ResolveImage("app:1"), name)], archive, format, CancellationToken.None);

        var files = ReadTar(archive);
        var index = OciJson.Deserialize<ImageIndex>(files["index.json"]);
        var saved = OciJson.Deserialize<ImageManifest>(files[$"blobs/sha256/{index.Manifests[0].Digest.Encoded}"]);
        Assert.True(MediaTypeFamily.IsUniform(saved));
        Assert.Equal([MediaTypes.OciLayerGzip, MediaTypes.OciLayerGzip], saved.Layers.Select(l => l.MediaType));
        Assert.Equal(layers.Select(l => l.Digest), saved.Layers.Select(l => l.Digest));
        Assert.False(store.HasBlob(index.Manifests[0].Digest)); // the unified manifest exists only in the archive

        archive.Position = 0;
        var other = ContentStore.Open(new FileSystem(), dir.Combine("other"));
        var loaded = await new ImageLoader(other, new LayerUnpacker(new RecordingFileTreeWriter())).LoadAsync(archive, CancellationToken.None);
        Assert.Equal(config, loaded.Single().Id);
    }

    private static Dictionary<string, byte[]> ReadTar(MemoryStream archive)
    {
        archive.Position = 0;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var reader = new TarReader(archive, leaveOpen: true);
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.DataStream is { } data)
            {
                using var buffer = new MemoryStream();
                data.CopyTo(buffer);
                files[entry.Name] = buffer.ToArray();
            }
        }

        return files;
    }
}
