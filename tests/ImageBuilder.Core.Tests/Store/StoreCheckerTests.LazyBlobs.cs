using ImageBuilder.Core.Store;

namespace ImageBuilder.Core.Tests.Store;

/// <summary>fsck and layer blobs a build has not written (they are made from their snapshot when first read).</summary>
public sealed partial class StoreCheckerTests
{
    [Fact]
    public async Task A_layer_blob_not_written_but_makeable_is_accepted_and_fsck_does_not_write_it()
    {
        var image = await BuiltImageAsync("app:1", "built", written: false);

        var report = await CheckAsync();

        Assert.Empty(report.Problems);
        Assert.False(store.HasBlobFile(image.Layer.Digest));
        Assert.NotNull(store.FindLazyBlob(image.Layer.Digest));
    }

    [Fact]
    public async Task A_layer_blob_that_can_no_longer_be_made_is_named_and_a_repair_removes_its_image_and_record()
    {
        var image = await BuiltImageAsync("app:1", "built", written: false);
        File.WriteAllText(Path.Combine(store.SnapshotPath(image.DiffId), "app", "built"), "tampered");

        var report = await CheckAsync();

        Assert.Contains(report.Problems, p => p.Damage == StoreDamage.BrokenImage
            && p.Reason.Contains($"{image.Layer.Digest} is not written and cannot be made: its snapshot {image.DiffId} packs to", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p.Damage == StoreDamage.BrokenSnapshot);
        Assert.Contains(report.Problems, p => p.Damage == StoreDamage.BrokenRecord && p.Subject == $"ibuild/lazy-blobs/{image.Layer.Digest.Encoded}");
        await AssertRepairLeavesACleanStoreAsync();
        Assert.Empty(store.ListImages());
        Assert.False(store.HasBlob(image.Layer.Digest));
    }

    [Fact]
    public async Task A_layer_blob_whose_snapshot_is_gone_is_named_missing()
    {
        var image = await BuiltImageAsync("app:1", "built", written: false);
        Directory.Delete(store.SnapshotPath(image.DiffId), recursive: true);

        var report = await CheckAsync();

        Assert.Contains(report.Problems, p => p.Damage == StoreDamage.BrokenImage && p.Reason.Contains($"{image.Layer.Digest} is missing", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p.Damage == StoreDamage.BrokenRecord && p.Reason.Contains("is gone", StringComparison.Ordinal));
        await AssertRepairLeavesACleanStoreAsync();
    }
}
