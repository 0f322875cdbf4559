using System.IO.Abstractions.TestingHelpers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;

namespace ImageBuilder.Core.Tests.Store;

/// <summary>Multi-platform images in the store: a name on an index of images, each found by platform, kept and removed whole.</summary>
public sealed class ImageIndexStoreTests
{
    private static readonly Platform Amd64 = Platform.Parse("linux/amd64");
    private static readonly Platform Arm64 = Platform.Parse("linux/arm64");

    private readonly MockFileSystem fs = new();
    private readonly ContentStore store;

    public ImageIndexStoreTests() => store = ContentStore.Open(fs, "/store");

    [Fact]
    public void A_named_index_is_one_multi_platform_image_whose_images_are_found_by_platform()
    {
        var (amd64, arm64) = (StoreImage("amd64"), StoreImage("arm64"));
        var index = store.WriteImageIndex([(amd64, Amd64), (arm64, Arm64)]);
        store.Tag(index, ImageReference.Parse("multi:1"));

        var found = Assert.Single(store.ListIndexes());
        Assert.Equal(index.Digest, found.Id);
        Assert.Equal(["linux/amd64", "linux/arm64"], found.Platforms.Select(p => p.ToString()));
        Assert.Equal([ImageReference.Parse("multi:1")], found.Tags);
        Assert.Equal(found.Id, store.FindIndex("multi:1")!.Id);
        Assert.Equal(found.Id, store.FindIndex(index.Digest.Encoded[..8])!.Id);

        // Its images have no entries of their own: not listed as images, found through the index.
        Assert.Empty(store.ListImages());
        Assert.Equal(arm64.ManifestDescriptor.Digest, store.ResolveImage("multi:1", Arm64).ManifestDescriptor.Digest);
        Assert.Equal(amd64.ManifestDescriptor.Digest, store.ResolveImage("multi:1", Platform.Parse("linux/amd64/v2")).ManifestDescriptor.Digest);
        Assert.Null(store.FindIndex("single:1"));
    }

    [Fact]
    public void A_platform_the_index_lacks_is_an_error_naming_the_platforms_it_has()
    {
        store.Tag(store.WriteImageIndex([(StoreImage("amd64"), Amd64), (StoreImage("arm64"), Arm64)]), ImageReference.Parse("multi:1"));

        var error = Assert.Throws<StoreException>(() => store.ResolveImage("multi:1", Platform.Parse("linux/s390x")));

        Assert.Equal(StoreError.ImageNotFound, error.Reason);
        Assert.Equal("image \"multi:1\" has no linux/s390x image: it is built for linux/amd64, linux/arm64", error.Message);
    }

    [Fact]
    public void A_single_images_name_wins_over_an_index_id_prefix_and_its_platform_is_checked_when_asked()
    {
        var index = store.WriteImageIndex([(StoreImage("amd64"), Amd64), (StoreImage("arm64"), Arm64)]);
        store.Tag(index, ImageReference.Parse("multi:1"));
        var single = StoreImage("amd64-single");
        var prefix = index.Digest.Encoded[..6];
        store.Tag(single.ManifestDescriptor, ImageReference.Parse($"{prefix}:latest"));

        Assert.Null(store.FindIndex(prefix));
        Assert.Equal(single.ManifestDescriptor.Digest, store.ResolveImage(prefix).ManifestDescriptor.Digest);
        Assert.Equal(index.Digest, store.FindIndex($"sha256:{index.Digest.Encoded}")!.Id);

        // A single image is of one platform: asking it for another is an error, not that image.
        var error = Assert.Throws<StoreException>(() => store.ResolveImage(prefix, Arm64));
        Assert.Equal($"image \"{prefix}\" is linux/amd64-single, not linux/arm64", error.Message);
    }

    [Fact]
    public void A_prune_keeps_every_platforms_image_of_a_named_index_and_takes_them_once_the_name_is_gone()
    {
        var (amd64, arm64) = (StoreImage("amd64"), StoreImage("arm64"));
        var index = store.WriteImageIndex([(amd64, Amd64), (arm64, Arm64)]);
        store.Tag(index, ImageReference.Parse("multi:1"));
        var blobs = new[] { index.Digest, amd64.ManifestDescriptor.Digest, arm64.ManifestDescriptor.Digest, amd64.Id, arm64.Id }
            .Concat(amd64.Manifest.Layers.Concat(arm64.Manifest.Layers).Select(l => l.Digest)).ToList();

        store.Prune();
        Assert.All(blobs, b => Assert.True(store.HasBlob(b), $"{b} was pruned"));

        Assert.True(store.Untag(ImageReference.Parse("multi:1")));
        store.Prune();
        Assert.All(blobs, b => Assert.False(store.HasBlob(b), $"{b} was kept"));
    }

    [Fact]
    public void Naming_an_index_whose_image_is_gone_is_refused()
    {
        var arm64 = StoreImage("arm64");
        var index = store.WriteImageIndex([(StoreImage("amd64"), Amd64), (arm64, Arm64)]);
        store.DeleteBlob(arm64.Manifest.Layers[0].Digest);

        var error = Assert.Throws<StoreException>(() => store.Tag(index, ImageReference.Parse("multi:1")));

        Assert.Equal(StoreError.ImageNotFound, error.Reason);
        Assert.Empty(store.ListIndexes());
    }

    private ImageRecord StoreImage(string marker) => StoredImages.Write(store, marker, architecture: marker);
}
