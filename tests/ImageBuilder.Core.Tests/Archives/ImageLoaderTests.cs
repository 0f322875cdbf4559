using System.IO.Abstractions;
using System.Text;
using ImageBuilder.Core.Archives;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;
using ImageBuilder.Core.Tests.Layers;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Core.Tests.Archives;

/// <summary>
/// <c>load</c> trusts nothing: a damaged archive loaded over an image the store has already (so
/// every snapshot exists) is refused with an <see cref="ArchiveFormatException"/>, and the tag,
/// the snapshots and the scratch area are as they were.
/// </summary>
public sealed class ImageLoaderTests : IDisposable
{
    private const string Tag = "example.com/app:1";
    private readonly TempDirectory dir = new();
    private readonly ContentStore store;
    private readonly ImageLoader loader;

    public ImageLoaderTests()
    {
        store = ContentStore.Open(new FileSystem(), dir.Combine("store"));
        loader = new ImageLoader(store, new LayerUnpacker(new RecordingFileTreeWriter()));
    }

    public void Dispose() => dir.Dispose();

    private Task<IReadOnlyList<ImageRecord>> LoadAsync(TestArchive archive) => loader.LoadAsync(archive.ToTar(), CancellationToken.None);

    [Fact]
    public async Task A_docker_archive_and_an_oci_archive_load_and_name_the_image()
    {
        var docker = (await LoadAsync(TestArchive.Image("one", "two").Docker(Tag))).Single();
        var oci = (await LoadAsync(TestArchive.Image("one", "two").Oci(Tag))).Single();

        Assert.Equal(docker.Id, oci.Id);
        Assert.Equal(oci.ManifestDescriptor.Digest, store.ResolveImage(Tag).ManifestDescriptor.Digest);
        Assert.Equal(2, store.ListSnapshots().Count());
    }

    public static TheoryData<string> Damages =>
    [
        "empty layer", "swapped layers", "truncated gzip", "config as a layer", "layer not matching its name",
        "config digest mismatch", "oci wrong size", "oci text/plain layer", "oci config as a layer type",
        "oci gzip labelled plain tar", "oci swapped layers", "[null]", "Config null", "Layers null", "Layers [null]",
        "RepoTags [null]", "no image",
    ];

    [Theory]
    [MemberData(nameof(Damages))]
    public async Task A_damaged_archive_over_the_same_image_is_refused_and_leaves_the_store_as_it_was(string damage)
    {
        var good = (await LoadAsync(TestArchive.Image("one", "two").Docker(Tag))).Single();
        var snapshots = store.ListSnapshots().Select(s => s.ToString()).Order().ToList();
        var index = File.ReadAllBytes(dir.Combine("store", "index.json"));

        var error = await Assert.ThrowsAsync<ArchiveFormatException>(() => LoadAsync(Damaged(damage)));

        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(good.ManifestDescriptor.Digest, store.ResolveImage(Tag).ManifestDescriptor.Digest);
        Assert.Equal(index, File.ReadAllBytes(dir.Combine("store", "index.json")));
        Assert.Equal(snapshots, store.ListSnapshots().Select(s => s.ToString()).Order().ToList());
        Assert.Empty(store.ListScratch());
    }

    [Theory]
    [InlineData("empty layer", "holds the tar sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855, but the config's diff_ids[1] is")]
    [InlineData("swapped layers", "but the config's diff_ids[0] is")]
    [InlineData("config as a layer", "layer 1 (sha256:")]
    [InlineData("config digest mismatch", "is damaged: its content has digest")]
    [InlineData("oci wrong size", "bytes, but its descriptor says")]
    [InlineData("oci text/plain layer", "has media type \"text/plain\", which is not a layer type")]
    [InlineData("oci gzip labelled plain tar", "has media type \"application/vnd.oci.image.layer.v1.tar\", but its bytes are gzip-compressed")]
    [InlineData("[null]", "manifest.json[0] is null")]
    [InlineData("Layers [null]", "manifest.json[0].Layers[0] is null")]
    public async Task The_refusal_says_what_is_wrong(string damage, string expected)
    {
        await LoadAsync(TestArchive.Image("one", "two").Docker(Tag));

        var error = await Assert.ThrowsAsync<ArchiveFormatException>(() => LoadAsync(Damaged(damage)));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task A_damaged_layer_is_refused_in_an_empty_store_too_and_leaves_no_snapshot()
    {
        await Assert.ThrowsAsync<ArchiveFormatException>(() => LoadAsync(Damaged("swapped layers")));

        Assert.Empty(store.ListSnapshots());
        Assert.Empty(store.ListImages());
        Assert.Empty(store.ListScratch());
    }

    [Fact]
    public async Task One_bad_image_refuses_the_whole_archive_before_any_tag_moves()
    {
        var archive = TestArchive.Image("one", "two").Docker(Tag);
        var bad = TestArchive.Image("three");
        foreach (var (name, content) in bad.Docker("other:1").Files.Where(f => f.Key.StartsWith("blobs/", StringComparison.Ordinal)))
        {
            archive.Files[name] = content;
        }

        archive.DockerManifest($$"""
            [{"Config":"{{archive.ConfigName}}","RepoTags":["{{Tag}}"],"Layers":["{{archive.LayerNames[0]}}","{{archive.LayerNames[1]}}"]},
             {"Config":"{{bad.ConfigName}}","RepoTags":["other:1"],"Layers":["{{archive.LayerNames[0]}}"]}]
            """);

        await Assert.ThrowsAsync<ArchiveFormatException>(() => LoadAsync(archive));

        Assert.Empty(store.ListImages());
    }

    /// <summary>The image of <see cref="A_damaged_archive_over_the_same_image_is_refused_and_leaves_the_store_as_it_was"/>, damaged.</summary>
    private static TestArchive Damaged(string damage)
    {
        var archive = TestArchive.Image("one", "two");
        var (config, layers) = (archive.ConfigName, archive.LayerNames);
        switch (damage)
        {
            case "empty layer":
                return WithLayers(archive.Docker(Tag), layers[0], Add(archive, []));
            case "swapped layers":
                return WithLayers(archive.Docker(Tag), layers[1], layers[0]);
            case "truncated gzip":
                return WithLayers(archive.Docker(Tag), Add(archive, archive.Layers[0][..^12]), layers[1]);
            case "config as a layer":
                return WithLayers(archive.Docker(Tag), config, layers[1]);
            case "layer not matching its name":
                archive.Docker(Tag).Files[layers[0]] = archive.Layers[1];
                return archive;
            case "config digest mismatch":
                archive.Docker(Tag).Files[config] = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(archive.Config).Replace("amd64", "arm64", StringComparison.Ordinal));
                return archive;
            case "oci wrong size":
                return archive.Oci(Tag, m => m with { Layers = [m.Layers[0] with { Size = m.Layers[0].Size + 1 }, m.Layers[1]] });
            case "oci text/plain layer":
                return archive.Oci(Tag, m => m with { Layers = [m.Layers[0], m.Layers[1] with { MediaType = "text/plain" }] });
            case "oci config as a layer type":
                return archive.Oci(Tag, m => m with { Config = m.Config with { MediaType = MediaTypes.OciLayerGzip } });
            case "oci gzip labelled plain tar":
                return archive.Oci(Tag, m => m with { Layers = [m.Layers[0] with { MediaType = MediaTypes.OciLayer }, m.Layers[1]] });
            case "oci swapped layers":
                return archive.Oci(Tag, m => m with { Layers = [m.Layers[1], m.Layers[0]] });
            case "[null]":
                archive.Docker(Tag).DockerManifest("[null]");
                return archive;
            case "Config null":
                archive.Docker(Tag).DockerManifest($$"""[{"Config":null,"RepoTags":["{{Tag}}"],"Layers":["{{layers[0]}}"]}]""");
                return archive;
            case "Layers null":
                archive.Docker(Tag).DockerManifest($$"""[{"Config":"{{config}}","RepoTags":["{{Tag}}"],"Layers":null}]""");
                return archive;
            case "Layers [null]":
                archive.Docker(Tag).DockerManifest($$"""[{"Config":"{{config}}","RepoTags":["{{Tag}}"],"Layers":[null]}]""");
                return archive;
            case "RepoTags [null]":
                archive.Docker(Tag).DockerManifest($$"""[{"Config":"{{config}}","RepoTags":[null],"Layers":["{{layers[0]}}","{{layers[1]}}"]}]""");
                return archive;
            case "no image":
                archive.Docker(Tag).DockerManifest("[]");
                return archive;
            default:
                throw new ArgumentOutOfRangeException(nameof(damage), damage, null);
        }
    }

    private static string Add(TestArchive archive, byte[] content)
    {
        var name = $"blobs/sha256/{Digest.Sha256(content).Encoded}";
        archive.Files[name] = content;
        return name;
    }

    private static TestArchive WithLayers(TestArchive archive, params string[] layers)
    {
        archive.DockerManifest($$"""[{"Config":"{{archive.ConfigName}}","RepoTags":["{{Tag}}"],"Layers":[{{string.Join(',', layers.Select(l => $"\"{l}\""))}}]}]""");
        return archive;
    }
}
