using System.IO.Abstractions;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Core.Tests.Store;

/// <summary>
/// fsck on a real store directory (plain files only, no root): each kind of damage is named,
/// a repair removes exactly what is broken, and a clean store stays untouched.
/// </summary>
public sealed partial class StoreCheckerTests : IDisposable
{
    private readonly TempDirectory dir = new();
    private readonly PlainDirectoryTree tree = new();
    private readonly ContentStore store;

    public StoreCheckerTests() => store = ContentStore.Open(new FileSystem(), dir.Combine("store"), tree);

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task A_clean_store_has_no_problems_and_a_repair_removes_nothing()
    {
        await UnpackedImageAsync("base:1", "hello");
        await BuiltImageAsync("app:1", "built");
        var before = Contents();

        var check = await CheckAsync();
        var repair = await CheckAsync(repair: true);

        Assert.Empty(check.Problems);
        Assert.Equal((6, 2, 2, 1), (check.Blobs, check.Images, check.Snapshots, check.Records));
        Assert.Empty(repair.Problems);
        Assert.Equal(before, Contents());
    }

    [Fact]
    public async Task A_flipped_byte_in_a_layer_blob_is_named_and_a_repair_removes_the_blob_and_the_tag()
    {
        var image = await BuiltImageAsync("app:1", "built");
        var other = await UnpackedImageAsync("base:1", "hello");
        Flip(image.Layer.Digest);

        var report = await CheckAsync();

        Assert.Contains(report.Problems, p => p.Damage == StoreDamage.CorruptBlob && p.Subject == image.Layer.Digest.ToString());
        Assert.Contains(report.Problems, p => p.Damage == StoreDamage.BrokenImage && p.Subject.StartsWith("app:1 ", StringComparison.Ordinal)
            && p.Reason == $"layer 1 {image.Layer.Digest} is corrupt");
        Assert.Contains(report.Problems, p => p.Damage == StoreDamage.BrokenRecord && p.Reason.Contains("is corrupt", StringComparison.Ordinal));
        Assert.Equal(report.Problems.Count, report.Remaining);

        var repaired = await CheckAsync(repair: true);

        Assert.All(repaired.Problems, p => Assert.True(p.Repaired, p.ToString()));
        Assert.False(store.HasBlob(image.Layer.Digest));
        Assert.True(store.HasBlob(image.Manifest.Digest));
        Assert.True(store.HasBlob(image.Config.Digest));
        Assert.Equal(["base:1"], store.ListImages().SelectMany(i => i.Tags).Select(t => t.ToFamiliarString()));
        Assert.True(store.HasBlob(other.Layer.Digest));
        Assert.Empty((await CheckAsync()).Problems);
    }

    [Fact]
    public async Task A_truncated_config_is_named_and_repaired()
    {
        var image = await UnpackedImageAsync("base:1", "hello");
        var path = store.BlobPath(image.Config.Digest);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..10]);

        var report = await CheckAsync();

        Assert.Contains(report.Problems, p => p.Damage == StoreDamage.CorruptBlob && p.Subject == image.Config.Digest.ToString());
        Assert.Contains(report.Problems, p => p.Reason == $"config {image.Config.Digest} is corrupt");
        await AssertRepairLeavesACleanStoreAsync();
        Assert.Empty(store.ListImages());
        Assert.True(store.HasBlob(image.Layer.Digest));
    }

    [Fact]
    public async Task A_deleted_layer_blob_and_a_layer_of_another_size_are_named()
    {
        var deleted = await BuiltImageAsync("app:1", "built");
        var resized = await UnpackedImageAsync("base:1", "hello", sizeSaid: 7);
        store.DeleteBlob(deleted.Layer.Digest);

        var report = await CheckAsync();

        Assert.Contains(report.Problems, p => p.Reason == $"layer 1 {deleted.Layer.Digest} is missing");
        Assert.Contains(report.Problems, p => p.Reason == $"its layer {deleted.Layer.Digest} is missing" && p.Subject.StartsWith("ibuild/cache/", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p.Reason == $"layer 1 {resized.Layer.Digest} has {resized.Layer.Size} bytes, its descriptor says 7");
        await AssertRepairLeavesACleanStoreAsync();
    }

    [Theory]
    [InlineData(LayerCompression.None)]
    [InlineData(LayerCompression.Gzip)]
    public async Task A_layer_that_does_not_unpack_to_its_diff_id_is_named(LayerCompression compression)
    {
        var wrong = Digest.Sha256("another tar"u8);
        var image = await UnpackedImageAsync("base:1", "hello", compression: compression, diffIdSaid: wrong);

        var report = await CheckAsync();

        var problem = Assert.Single(report.Problems);
        Assert.Equal(StoreDamage.BrokenImage, problem.Damage);
        Assert.Equal($"layer 1 {image.Layer.Digest} unpacks to diff id {image.DiffId}, the config says {wrong}", problem.Reason);
    }

    [Fact]
    public async Task A_changed_file_in_a_recorded_snapshot_is_named_and_a_repair_removes_the_snapshot_only()
    {
        var image = await BuiltImageAsync("app:1", "built");
        File.WriteAllText(Path.Combine(store.SnapshotPath(image.DiffId), "app", "built"), "tampered");

        var report = await CheckAsync();

        var problem = Assert.Single(report.Problems);
        Assert.Equal(StoreDamage.BrokenSnapshot, problem.Damage);
        Assert.Equal($"{image.DiffId} (layer 1 of app:1)", problem.Subject);
        Assert.StartsWith("its files changed since it was made", problem.Reason);

        await AssertRepairLeavesACleanStoreAsync();
        Assert.False(store.HasSnapshot(image.DiffId));
        Assert.Single(store.ListImages());

        // The next user of the image unpacks it again from the (healthy) blob.
        var again = await store.UnpackSnapshotsAsync([image.Layer], [image.DiffId], new LayerUnpacker(tree), CancellationToken.None);
        Assert.Equal("built", File.ReadAllText(Path.Combine(again[0], "app", "built")));
        Assert.Empty((await CheckAsync()).Problems);
    }

    [Fact]
    public async Task An_unpacked_snapshot_is_compared_with_its_blob_then_recorded()
    {
        var image = await UnpackedImageAsync("base:1", "hello");
        Assert.Null(store.FindSnapshotRecord(image.DiffId));

        Assert.Empty((await CheckAsync()).Problems);
        Assert.Equal(image.DiffId, store.FindSnapshotRecord(image.DiffId)?.DiffId);

        store.DeleteSnapshot(image.DiffId);
        await store.UnpackSnapshotsAsync([image.Layer], [image.DiffId], new LayerUnpacker(tree), CancellationToken.None);
        File.AppendAllText(Path.Combine(store.SnapshotPath(image.DiffId), "etc", "message"), " and more");

        var report = await CheckAsync();

        var problem = Assert.Single(report.Problems);
        Assert.Equal(StoreDamage.BrokenSnapshot, problem.Damage);
        Assert.Equal($"its files differ from those of layer {image.Layer.Digest}, which it is unpacked from", problem.Reason);
        Assert.Empty(store.ListScratch());
    }

    [Fact]
    public async Task Cache_records_naming_a_missing_blob_or_damaged_are_named_and_removed()
    {
        await BuiltImageAsync("app:1", "built");
        var missing = Digest.Sha256("nothing"u8);
        var layer = new Descriptor { MediaType = MediaTypes.OciLayerFor(LayerCompression.None), Digest = missing, Size = 5 };
        store.WriteCacheRecord(Digest.Sha256("dangling"u8), new CacheRecord("2024-01-01T00:00:00Z", layer, missing));
        var damaged = Path.Combine(dir.Combine("store", "ibuild", "cache"), Digest.Sha256("damaged"u8).Encoded);
        File.WriteAllText(damaged, "{not json");

        var report = await CheckAsync();

        Assert.Contains(report.Problems, p => p.Damage == StoreDamage.BrokenRecord
            && p.Subject == $"ibuild/cache/{Digest.Sha256("dangling"u8).Encoded}" && p.Reason == $"its layer {missing} is missing");
        Assert.Contains(report.Problems, p => p.Damage == StoreDamage.BrokenRecord && p.Reason.StartsWith("it is damaged", StringComparison.Ordinal));
        Assert.Equal(2, report.Problems.Count);
        await AssertRepairLeavesACleanStoreAsync();
        Assert.Single(Directory.GetFiles(dir.Combine("store", "ibuild", "cache")));
    }

    /// <summary>load and pull trust a diff id record instead of hashing the layer again: a wrong one must not survive fsck.</summary>
    [Fact]
    public async Task A_diff_id_record_that_names_the_wrong_diff_id_is_named_and_removed()
    {
        var image = await UnpackedImageAsync("base:1", "hello");
        store.RecordLayerDiffId(image.Layer.Digest, image.DiffId);
        Assert.Empty((await CheckAsync()).Problems);
        var wrong = Digest.Sha256("another tar"u8);
        store.RecordLayerDiffId(image.Layer.Digest, wrong);

        var report = await CheckAsync();

        var problem = Assert.Single(report.Problems);
        Assert.Equal(StoreDamage.BrokenRecord, problem.Damage);
        Assert.Equal($"ibuild/diffids/{image.Layer.Digest.Encoded}", problem.Subject);
        Assert.Equal($"its layer {image.Layer.Digest} unpacks to diff id {image.DiffId}, the record says {wrong}", problem.Reason);
        await AssertRepairLeavesACleanStoreAsync();
        Assert.Null(store.FindLayerDiffId(image.Layer.Digest));
        Assert.True(store.HasBlob(image.Layer.Digest));
    }

    [Fact]
    public async Task After_a_prune_no_record_names_a_pruned_blob()
    {
        var image = await UnpackedImageAsync("base:1", "hello");
        var gzip = Gzip(File.ReadAllBytes(store.BlobPath(image.Layer.Digest)));
        var converted = new Descriptor { MediaType = MediaTypes.OciLayerFor(LayerCompression.Gzip), Digest = store.WriteBlob(gzip), Size = gzip.Length };
        store.RecordConvertedLayer(image.DiffId, LayerCompression.Gzip, converted);

        // An export's compressed copy is named by no tag: prune takes it, and its record with it.
        store.Prune();

        Assert.False(store.HasBlob(converted.Digest));
        Assert.Empty(Directory.GetFiles(dir.Combine("store", "ibuild", "converted")));
        Assert.Empty((await CheckAsync()).Problems);
    }

    [Fact]
    public async Task A_tag_naming_a_missing_manifest_is_removed_and_the_other_tags_stay()
    {
        var image = await UnpackedImageAsync("base:1", "hello");
        var ghost = image.Manifest with { Digest = Digest.Sha256("ghost"u8) };
        store.Tag(image.Manifest, ImageReference.Parse("base:2"));
        File.Copy(store.BlobPath(image.Manifest.Digest), store.BlobPath(ghost.Digest));
        store.Tag(ghost, ImageReference.Parse("ghost:1"));
        store.DeleteBlob(ghost.Digest);

        var report = await CheckAsync();

        var problem = Assert.Single(report.Problems);
        Assert.Equal((StoreDamage.BrokenImage, $"ghost:1 (manifest {ghost.Digest})", $"manifest {ghost.Digest} is missing"),
            (problem.Damage, problem.Subject, problem.Reason));
        var repaired = await CheckAsync(repair: true);
        Assert.Equal("tag removed", Assert.Single(repaired.Problems).Repair);
        Assert.Equal(["base:1", "base:2"], store.ListImages().SelectMany(i => i.Tags).Select(t => t.ToFamiliarString()).Order());
    }

    [Fact]
    public async Task Scratch_is_left_over_only_when_no_writer_runs()
    {
        var leftover = Directory.CreateDirectory(dir.Combine("store", "ibuild", "tmp", "999999-0123456789abcdef")).FullName;

        using (store.ProtectNewContent())
        {
            Assert.Empty((await CheckAsync()).Problems);
        }

        var problem = Assert.Single((await CheckAsync()).Problems);
        Assert.Equal((StoreDamage.LeftoverScratch, "ibuild/tmp/999999-0123456789abcdef"), (problem.Damage, problem.Subject));
        await AssertRepairLeavesACleanStoreAsync();
        Assert.False(Directory.Exists(leftover));
    }

    [Fact]
    public async Task A_damaged_index_is_reported_and_left_as_it_is()
    {
        await UnpackedImageAsync("base:1", "hello");
        File.WriteAllText(dir.Combine("store", "index.json"), "{\"manifests\": [");

        var repaired = await CheckAsync(repair: true);

        var problem = Assert.Single(repaired.Problems);
        Assert.Equal(StoreDamage.DamagedIndex, problem.Damage);
        Assert.False(problem.Repaired);
        Assert.Equal(1, repaired.Remaining);
        Assert.Equal("{\"manifests\": [", File.ReadAllText(dir.Combine("store", "index.json")));
    }

    private Task<StoreCheckReport> CheckAsync(bool repair = false) =>
        new StoreChecker(store, tree, tree).CheckAsync(repair, CancellationToken.None);

    private async Task AssertRepairLeavesACleanStoreAsync()
    {
        var repaired = await CheckAsync(repair: true);
        Assert.NotEmpty(repaired.Problems);
        Assert.Equal(0, repaired.Remaining);
        Assert.Empty((await CheckAsync()).Problems);
    }
}
