using System.IO.Abstractions.TestingHelpers;
using System.Text;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;

namespace ImageBuilder.Core.Tests.Store;

/// <summary>
/// The store's bookkeeping (tags, prune, cache records, scratch clean-up) on an in-memory file
/// system: the logic behind <see cref="ContentStore.FileSystem"/>, without a disk. Durability,
/// flock between processes and snapshots full of owners live in <see cref="ContentStoreTests"/>.
/// </summary>
public sealed class ContentStoreLogicTests
{
    private const string Root = "/store";
    private readonly MockFileSystem fs = new();
    private readonly ContentStore store;

    public ContentStoreLogicTests() => store = ContentStore.Open(fs, Root);

    [Fact]
    public void A_tag_names_the_image_in_index_json_and_resolves_by_every_spelling()
    {
        var image = StoreImage("one");

        store.Tag(image, ImageReference.Parse("app:1"));

        Assert.Contains("\"org.opencontainers.image.ref.name\":\"app:1\"", fs.File.ReadAllText("/store/index.json"));
        Assert.Equal(image.Digest, store.ResolveImage("app:1").ManifestDescriptor.Digest);
        Assert.Equal(image.Digest, store.ResolveImage("docker.io/library/app:1").ManifestDescriptor.Digest);
    }

    [Fact]
    public void Resolving_a_name_reads_that_image_alone_not_every_image_in_the_store()
    {
        // Every build resolves its FROM by name: with many images stored, reading each one's
        // manifest and config cost milliseconds per build. Here the other image's manifest is
        // unreadable, and the named one still resolves.
        var wanted = StoreImage("one");
        var other = StoreImage("two");
        store.Tag(wanted, ImageReference.Parse("app:1"));
        store.Tag(other, ImageReference.Parse("other:1"));
        fs.File.WriteAllText(store.BlobPath(other.Digest), "not a manifest");

        Assert.Equal(wanted.Digest, store.ResolveImage("app:1").ManifestDescriptor.Digest);
    }

    [Fact]
    public void Retagging_keeps_the_previous_image_untagged()
    {
        var first = StoreImage("one");
        var second = StoreImage("two");
        var name = ImageReference.Parse("app:1");

        store.Tag(first, name);
        store.Tag(second, name);

        var images = store.ListImages();
        Assert.Equal(2, images.Count);
        Assert.Equal(second.Digest, store.ResolveImage("app:1").ManifestDescriptor.Digest);
        Assert.Empty(images.Single(i => i.ManifestDescriptor.Digest == first.Digest).Tags);
    }

    [Fact]
    public void Untagging_removes_only_that_name()
    {
        var image = StoreImage("one");
        store.Tag(image, ImageReference.Parse("app:1"));
        store.Tag(image, ImageReference.Parse("app:latest"));

        Assert.True(store.Untag(ImageReference.Parse("app:1")));
        Assert.False(store.Untag(ImageReference.Parse("app:1")));

        var tags = store.ListImages().Single().Tags.Select(t => t.ToFamiliarString());
        Assert.Equal(["app:latest"], tags);
    }

    [Fact]
    public void Tagging_an_image_whose_content_was_pruned_is_refused()
    {
        var image = StoreImage("gone");
        store.Prune();

        var error = Assert.Throws<StoreException>(() => store.Tag(image, ImageReference.Parse("keep:1")));

        Assert.Equal(StoreError.ImageNotFound, error.Reason);
        Assert.Empty(store.ListImages());
    }

    [Fact]
    public void Prune_keeps_what_a_tag_reaches_and_removes_the_rest_with_its_snapshots()
    {
        var kept = StoreImage("kept");
        var dropped = StoreImage("dropped");
        store.Tag(kept, ImageReference.Parse("app:1"));
        store.Tag(dropped, null);
        var keptLayer = LayerOf(kept);
        var droppedLayer = LayerOf(dropped);
        fs.Directory.CreateDirectory(store.SnapshotPath(keptLayer));
        fs.Directory.CreateDirectory(store.SnapshotPath(droppedLayer));
        var stray = store.WriteBlob("nobody refers to me"u8);

        var report = store.Prune();

        Assert.Equal(1, report.UntaggedImages);
        Assert.Equal(4, report.Blobs); // the dropped image's manifest, config and layer, and the stray blob
        Assert.Equal(1, report.Snapshots);
        Assert.Equal(kept.Digest, store.ListImages().Single().ManifestDescriptor.Digest);
        Assert.True(store.HasBlob(keptLayer));
        Assert.False(store.HasBlob(droppedLayer));
        Assert.False(store.HasBlob(stray));
        Assert.Equal([keptLayer], store.ListSnapshots());
        Assert.False(fs.Directory.Exists(store.SnapshotPath(droppedLayer)));
    }

    [Fact]
    public void A_copy_record_reads_back_until_its_snapshot_is_pruned()
    {
        var kept = StoreImage("kept");
        store.Tag(kept, ImageReference.Parse("app:1"));
        var keptSnapshot = LayerOf(kept);
        var goneSnapshot = Digest.Sha256("a snapshot no image reaches"u8);
        fs.Directory.CreateDirectory(store.SnapshotPath(keptSnapshot));
        fs.Directory.CreateDirectory(store.SnapshotPath(goneSnapshot));
        var keptLineage = Digest.Sha256("kept step"u8);
        var goneLineage = Digest.Sha256("gone step"u8);
        store.WriteCopyRecord(keptLineage, keptSnapshot, "manifest"u8.ToArray());
        store.WriteCopyRecord(goneLineage, goneSnapshot, "other"u8.ToArray());

        Assert.Equal("other", System.Text.Encoding.UTF8.GetString(store.FindCopyRecord(goneLineage)!.Value.Manifest));
        store.Prune();

        Assert.Equal((keptSnapshot, "manifest"), store.FindCopyRecord(keptLineage) is { } found ? (found.ChainId, System.Text.Encoding.UTF8.GetString(found.Manifest)) : default);
        Assert.Null(store.FindCopyRecord(goneLineage));
        Assert.Single(fs.Directory.EnumerateFiles("/store/ibuild/copies"));
    }

    [Fact]
    public void A_cache_record_reads_back_until_its_layer_blob_is_pruned()
    {
        var layerBytes = "layer"u8.ToArray();
        var layer = new Descriptor { MediaType = MediaTypes.OciLayerFor(LayerCompression.None), Digest = store.WriteBlob(layerBytes), Size = layerBytes.Length };
        var key = Digest.Sha256("step key"u8);
        var record = new CacheRecord("2024-01-02T03:04:05Z", layer, layer.Digest);

        store.WriteCacheRecord(key, record);

        Assert.Equal(record, store.FindCacheRecord(key));
        store.Prune(); // nothing tagged reaches the layer
        Assert.Null(store.FindCacheRecord(key));
        Assert.Empty(fs.Directory.EnumerateFiles("/store/ibuild/cache"));
    }

    [Fact]
    public void A_cache_record_of_a_step_that_changed_no_files_survives_prune()
    {
        var key = Digest.Sha256("ENV only"u8);
        var record = new CacheRecord("2024-01-02T03:04:05Z", null, null);
        store.WriteCacheRecord(key, record);

        store.Prune();

        Assert.Equal(record, store.FindCacheRecord(key));
    }

    [Fact]
    public void An_unreadable_cache_record_is_a_miss()
    {
        var key = Digest.Sha256("step key"u8);
        fs.AddFile($"/store/ibuild/cache/{key.Encoded}", new MockFileData("{not json"));

        Assert.Null(store.FindCacheRecord(key));
    }

    [Fact]
    public void Scratch_is_cleared_only_when_no_writer_is_adding_content()
    {
        fs.AddFile("/store/ibuild/tmp/12345-abc/half-written", new MockFileData("x"));
        fs.AddFile("/store/ibuild/tmp/12345-def", new MockFileData("y"));

        using (store.ProtectNewContent())
        {
            // A writer (here: this test) is running: its scratch may be in use.
            Assert.Equal(0, store.RemoveStaleTemporaries());
            Assert.True(fs.Directory.Exists("/store/ibuild/tmp/12345-abc"));
        }

        Assert.Equal(2, store.RemoveStaleTemporaries());
        Assert.Empty(fs.Directory.EnumerateFileSystemEntries("/store/ibuild/tmp"));
    }

    [Fact]
    public void Files_are_written_in_a_directory_of_scratch_of_their_own_which_leaves_nothing_behind()
    {
        using (var writer = store.BeginBlob())
        {
            writer.Stream.Write("blob"u8);
            var beingWritten = Assert.Single(store.ListScratch());
            var directory = Path.GetDirectoryName(beingWritten)!;

            // Not scratch itself: a directory in it, made for this store object.
            Assert.Equal("/store/ibuild/tmp", Path.GetDirectoryName(directory));
            Assert.EndsWith(ContentStore.FileScratchSuffix, directory, StringComparison.Ordinal);
            writer.Commit(null);
        }

        store.RecordLayerDiffId(Digest.Sha256("blob"u8), Digest.Sha256("tar"u8));

        // Renamed into place: the directory is left, empty, and is no leftover.
        Assert.Single(fs.Directory.EnumerateDirectories("/store/ibuild/tmp"));
        Assert.Empty(store.ListScratch());
        Assert.False(store.HasTemporaries);
    }

    [Fact]
    public void A_killed_writers_files_are_leftovers_and_its_directory_goes_with_them()
    {
        fs.AddFile($"/store/ibuild/tmp/777-0a{ContentStore.FileScratchSuffix}/half-written-blob", new MockFileData("x"));
        fs.AddFile($"/store/ibuild/tmp/777-0a{ContentStore.FileScratchSuffix}/half-written-record", new MockFileData("y"));
        fs.AddDirectory($"/store/ibuild/tmp/778-0b{ContentStore.FileScratchSuffix}");

        Assert.Equal(2, store.ListScratch().Count);
        Assert.Equal(2, store.RemoveStaleTemporaries());
        Assert.Empty(fs.Directory.EnumerateFileSystemEntries("/store/ibuild/tmp"));

        // This store object's own directory is made again on its next write.
        Assert.Equal(Digest.Sha256("after"u8), store.WriteBlob("after"u8));
    }

    [Fact]
    public void Prune_clears_scratch_and_counts_it()
    {
        fs.AddFile("/store/ibuild/tmp/999-leftover", new MockFileData("x"));

        var report = store.Prune();

        Assert.Equal(1, report.Temporaries);
        Assert.Empty(fs.Directory.EnumerateFileSystemEntries("/store/ibuild/tmp"));
    }

    private Descriptor StoreImage(string marker) => StoredImages.Write(store, marker).ManifestDescriptor;

    // A one-layer image's chain id is its layer's diff id, here the uncompressed layer's digest.
    private Digest LayerOf(Descriptor image) =>
        OciJson.Deserialize<ImageManifest>(store.ReadBlob(image.Digest)).Layers.Single().Digest;
}
