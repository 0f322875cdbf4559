using System.Formats.Tar;
using System.Text;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Tests.Layers;

namespace ImageBuilder.Core.Tests.Archives;

/// <summary>
/// A small image (one file per layer, gzip layers) laid out as the files of an archive, which a
/// test can damage before <see cref="ToTar"/> packs them: a docker-save archive
/// (<c>manifest.json</c>) or an OCI archive (<c>index.json</c>), both with <c>blobs/sha256/…</c>.
/// </summary>
internal sealed class TestArchive
{
    public Dictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);

    public required byte[] Config { get; init; }

    public required IReadOnlyList<byte[]> Layers { get; init; }

    public string ConfigName => BlobName(Digest.Sha256(Config));

    public IReadOnlyList<string> LayerNames => Layers.Select(l => BlobName(Digest.Sha256(l))).ToList();

    /// <summary>An image with one layer per text (a file <c>/fileN</c> holding it).</summary>
    public static TestArchive Image(params string[] texts)
    {
        var tars = texts.Select((text, i) => LayerTestArchives.Tar(TarEntryFormat.Pax, w =>
            w.WriteEntry(LayerTestArchives.Entry(TarEntryFormat.Pax, TarEntryType.RegularFile, $"file{i}", text)))).ToList();
        var config = OciJson.Serialize(new ImageConfig
        {
            Architecture = "amd64",
            Os = "linux",
            RootFs = new RootFs { DiffIds = tars.Select(t => Digest.Sha256(t)).ToList() },
        });
        return new TestArchive { Config = config, Layers = tars.Select(LayerTestArchives.Gzip).ToList() };
    }

    /// <summary>The files of a docker-save archive naming the image <paramref name="tag"/>.</summary>
    public TestArchive Docker(string tag)
    {
        AddBlobs();
        DockerManifest($$"""[{"Config":"{{ConfigName}}","RepoTags":["{{tag}}"],"Layers":[{{string.Join(',', LayerNames.Select(n => $"\"{n}\""))}}]}]""");
        return this;
    }

    /// <summary>The files of an OCI archive naming the image <paramref name="tag"/>, its manifest changed by <paramref name="change"/>.</summary>
    public TestArchive Oci(string tag, Func<ImageManifest, ImageManifest>? change = null)
    {
        AddBlobs();
        var manifest = new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = Descriptor.ForContent(MediaTypes.OciConfig, Config),
            Layers = Layers.Select(l => Descriptor.ForContent(MediaTypes.OciLayerGzip, l)).ToList(),
        };
        var bytes = OciJson.Serialize(change is null ? manifest : change(manifest));
        Files[BlobName(Digest.Sha256(bytes))] = bytes;
        var index = new ImageIndex
        {
            MediaType = MediaTypes.OciIndex,
            Manifests = [Descriptor.ForContent(MediaTypes.OciManifest, bytes) with
            {
                Annotations = new Dictionary<string, string> { ["io.containerd.image.name"] = tag },
            }],
        };
        Files["oci-layout"] = OciJson.Serialize(OciLayoutHeader.Current);
        Files["index.json"] = OciJson.Serialize(index);
        return this;
    }

    public void DockerManifest(string json) => Files["manifest.json"] = Encoding.UTF8.GetBytes(json);

    public MemoryStream ToTar()
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, content) in Files.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
            }
        }

        output.Position = 0;
        return output;
    }

    private void AddBlobs()
    {
        Files[ConfigName] = Config;
        foreach (var layer in Layers)
        {
            Files[BlobName(Digest.Sha256(layer))] = layer;
        }
    }

    private static string BlobName(Digest digest) => $"blobs/sha256/{digest.Encoded}";
}
