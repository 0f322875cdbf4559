using System.IO.Abstractions;
using System.Text;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Core.Tests.Store;

/// <summary>The store remembers which repositories a blob came from, so a push to a sibling repository mounts instead of uploading.</summary>
public sealed class BlobSourcesTests : IDisposable
{
    private static readonly Digest Layer = Digest.Sha256(Encoding.UTF8.GetBytes("layer"));

    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private ContentStore Open() => ContentStore.Open(new FileSystem(), dir.Combine("store"));

    [Fact]
    public void A_push_to_another_repository_of_the_registry_mounts_from_where_the_blob_came()
    {
        var store = Open();

        store.RecordBlobSources([Layer], "registry.example/team/base");

        Assert.Equal("team/base", store.BlobMountSource(Layer, "registry.example", except: "team/app"));
        Assert.Null(store.BlobMountSource(Layer, "registry.example", except: "team/base"));
        Assert.Null(store.BlobMountSource(Layer, "other.example", except: "team/app"));
    }

    [Fact]
    public void The_newest_source_comes_first_and_at_most_eight_are_kept_without_leaving_scratch()
    {
        var store = Open();

        foreach (var i in Enumerable.Range(0, 10))
        {
            store.RecordBlobSources([Layer], $"registry.example/repo{i}");
        }

        store.RecordBlobSources([Layer], "registry.example/repo9");
        Assert.Equal("repo9", store.BlobMountSource(Layer, "registry.example", except: "elsewhere"));
        Assert.Equal(8, File.ReadAllLines(dir.Combine("store", "ibuild", "sources", Layer.Encoded)).Length);
        Assert.Empty(store.ListScratch());
    }

    [Fact]
    public void A_blob_never_pulled_or_pushed_has_no_source()
    {
        Assert.Null(Open().BlobMountSource(Layer, "registry.example", except: "team/app"));
    }
}
