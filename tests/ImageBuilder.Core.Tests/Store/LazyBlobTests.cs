using System.IO.Abstractions;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Core.Tests.Store;

/// <summary>
/// A built layer is written once: committing hashes it and keeps its directory as the snapshot;
/// its blob is made from the snapshot the first time something reads it (a real store directory,
/// plain files, no root).
/// </summary>
public sealed class LazyBlobTests : IDisposable
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    /// <summary>The store, in a temporary directory removed on dispose, with plain directories as snapshots.</summary>
    private readonly (TempDirectory Directory, PlainDirectoryTree Tree) place = (new TempDirectory(), new PlainDirectoryTree());

    private ContentStore? opened;

    public void Dispose() => place.Directory.Dispose();

    private ContentStore Store => opened ??= ContentStore.Open(new FileSystem(), place.Directory.Combine("store"), place.Tree);

    private PlainDirectoryTree Tree => place.Tree;

    [Fact]
    public async Task A_committed_layer_has_no_blob_file_but_the_store_has_it_with_its_size()
    {
        var flushed = new List<string>();
        var upper = Upper(("app/built", "hello"));

        var packed = await Store.CommitLayerAsync(upper, null, Epoch, flushed.Add, null, CancellationToken.None);

        Assert.Equal(packed.DiffId, packed.Digest);
        Assert.False(File.Exists(Store.BlobPath(packed.Digest)));
        Assert.True(Store.HasBlob(packed.Digest));
        Assert.Equal(packed.Size, Store.BlobSize(packed.Digest));
        Assert.Equal([upper], flushed);
        Assert.True(Store.HasSnapshot(packed.DiffId));
        Assert.False(Directory.Exists(upper));
        Assert.Equal(new SnapshotRecord(packed.DiffId, packed.DiffId, Epoch), Store.FindSnapshotRecord(packed.DiffId));
    }

    [Fact]
    public async Task Reading_a_lazy_blob_writes_the_bytes_an_eager_pack_gives_and_keeps_them()
    {
        var eager = await EagerPackAsync(("app/built", "hello"), ("etc/conf", "x=1"));
        var packed = await Store.CommitLayerAsync(Upper(("app/built", "hello"), ("etc/conf", "x=1")), null, Epoch, _ => { }, null, CancellationToken.None);

        var read = Store.ReadBlob(packed.Digest);

        Assert.Equal(eager, read);
        Assert.Equal(packed.Digest, Digest.Sha256(read));
        Assert.True(File.Exists(Store.BlobPath(packed.Digest)));
        Assert.Null(Store.FindLazyBlob(packed.Digest));
        Assert.Equal(read, Store.ReadBlob(packed.Digest));
    }

    [Fact]
    public async Task A_lazy_blob_whose_snapshot_changed_is_refused_and_no_blob_is_written()
    {
        var packed = await Store.CommitLayerAsync(Upper(("app/built", "hello")), null, Epoch, _ => { }, null, CancellationToken.None);
        File.WriteAllText(Path.Combine(Store.SnapshotPath(packed.DiffId), "app", "built"), "tampered");

        var error = Assert.Throws<StoreException>(() => Store.OpenBlob(packed.Digest));

        Assert.Equal(StoreError.DigestMismatch, error.Reason);
        Assert.Contains("its files changed", error.Message);
        Assert.False(File.Exists(Store.BlobPath(packed.Digest)));
        Assert.Empty(Store.ListScratch());
    }

    [Fact]
    public async Task A_lazy_blob_whose_snapshot_is_gone_is_not_in_the_store()
    {
        var packed = await Store.CommitLayerAsync(Upper(("app/built", "hello")), null, Epoch, _ => { }, null, CancellationToken.None);

        Store.DeleteSnapshot(packed.DiffId);

        Assert.False(Store.HasBlob(packed.Digest));
        Assert.Equal(StoreError.BlobNotFound, Assert.Throws<StoreException>(() => Store.OpenBlob(packed.Digest)).Reason);
        Assert.Equal(StoreError.BlobNotFound, Assert.Throws<StoreException>(() => Store.BlobSize(packed.Digest)).Reason);
    }

    [Fact]
    public async Task Committing_a_chain_whose_snapshot_was_packed_with_another_epoch_makes_the_blob_with_that_epoch()
    {
        // Both trees pack to the same layer (every time comes out as Epoch) but their own times differ:
        // the existing snapshot gives the layer only with its own epoch.
        var first = Upper(("app/built", "hello"));
        SetTimes(first, Epoch.AddSeconds(50));
        var second = Upper(("app/built", "hello"));
        SetTimes(second, Epoch);
        var firstPacked = await Store.CommitLayerAsync(first, null, Epoch, _ => { }, null, CancellationToken.None);
        Store.DeleteBlob(firstPacked.Digest);

        var secondPacked = await Store.CommitLayerAsync(second, null, Epoch.AddSeconds(100), _ => { }, null, CancellationToken.None);

        Assert.Equal(firstPacked.Digest, secondPacked.Digest);
        Assert.False(Directory.Exists(second));
        Assert.Equal(Epoch, Store.FindLazyBlob(secondPacked.Digest)!.Epoch);
        Assert.Equal(secondPacked.Digest, Digest.Sha256(Store.ReadBlob(secondPacked.Digest)));
    }

    [Fact]
    public async Task Prune_keeps_a_tagged_lazy_layer_and_its_snapshot_and_drops_an_untagged_one_with_its_record()
    {
        var kept = await Store.CommitLayerAsync(Upper(("app/kept", "k")), null, Epoch, _ => { }, null, CancellationToken.None);
        var dropped = await Store.CommitLayerAsync(Upper(("app/dropped", "d")), null, Epoch, _ => { }, null, CancellationToken.None);
        Tag("app:1", kept);

        Store.Prune();

        Assert.True(Store.HasSnapshot(kept.DiffId));
        Assert.NotNull(Store.FindLazyBlob(kept.Digest));
        Assert.Equal(kept.Digest, Digest.Sha256(Store.ReadBlob(kept.Digest)));
        Assert.False(Store.HasSnapshot(dropped.DiffId));
        Assert.Null(Store.FindLazyBlob(dropped.Digest));
        Assert.False(Store.HasBlob(dropped.Digest));
    }

    [Fact]
    public async Task Prune_keeps_the_snapshot_of_another_chain_that_a_tagged_lazy_layer_is_made_from()
    {
        // The same layer on top of another layer: chain ids differ, the lazy record names the first snapshot.
        var layer = await Store.CommitLayerAsync(Upper(("app/built", "hello")), null, Epoch, _ => { }, null, CancellationToken.None);
        var baseLayer = await Store.CommitLayerAsync(Upper(("base", "b")), null, Epoch, _ => { }, null, CancellationToken.None);
        var onTop = await Store.CommitLayerAsync(Upper(("app/built", "hello")), baseLayer.DiffId, Epoch, _ => { }, null, CancellationToken.None);
        Assert.Equal(layer.Digest, onTop.Digest);
        Tag("app:1", baseLayer, onTop);

        Store.Prune();

        Assert.True(Store.HasSnapshot(layer.DiffId));
        Assert.Equal(layer.Digest, Digest.Sha256(Store.ReadBlob(layer.Digest)));
    }

    [Fact]
    public async Task Prune_drops_a_lazy_record_whose_blob_is_written_and_the_other_chain_s_snapshot_it_named()
    {
        var layer = await Store.CommitLayerAsync(Upper(("app/built", "hello")), null, Epoch, _ => { }, null, CancellationToken.None);
        var baseLayer = await Store.CommitLayerAsync(Upper(("base", "b")), null, Epoch, _ => { }, null, CancellationToken.None);
        var onTop = await Store.CommitLayerAsync(Upper(("app/built", "hello")), baseLayer.DiffId, Epoch, _ => { }, null, CancellationToken.None);
        Tag("app:1", baseLayer, onTop);
        // A crash between writing the blob and removing its record: both are there.
        var record = Path.Combine(place.Directory.Combine("store"), "ibuild", "lazy-blobs", layer.Digest.Encoded);
        var saved = File.ReadAllBytes(record);
        Store.ReadBlob(layer.Digest);
        File.WriteAllBytes(record, saved);

        Store.Prune();

        Assert.False(Store.HasSnapshot(layer.DiffId));
        Assert.Null(Store.FindLazyBlob(layer.Digest));
        Assert.Equal(layer.Digest, Digest.Sha256(Store.ReadBlob(layer.Digest)));
    }

    [Fact]
    public async Task Converting_a_lazy_layer_packs_its_snapshot_into_the_same_gzip_blob_and_writes_no_uncompressed_blob()
    {
        var layer = await Store.CommitLayerAsync(Upper(("app/built", "hello"), ("etc/conf", "x=1")), null, Epoch, _ => { }, null, CancellationToken.None);
        var descriptor = new Descriptor { MediaType = MediaTypes.OciLayer, Digest = layer.Digest, Size = layer.Size };

        var converted = await new LayerRecompressor(Store).ConvertLayerAsync(descriptor, layer.DiffId, LayerCompression.Gzip, CancellationToken.None);

        Assert.False(File.Exists(Store.BlobPath(layer.Digest)));
        Assert.NotNull(Store.FindLazyBlob(layer.Digest));
        Assert.Equal(converted, Store.FindConvertedLayer(layer.DiffId, LayerCompression.Gzip));
        Assert.Equal(layer.DiffId, Store.FindLayerDiffId(converted.Digest));

        // The bytes a conversion of the written blob gives, in another store.
        var other = ContentStore.Open(new FileSystem(), place.Directory.Combine("other"), Tree);
        await using (var blob = Store.OpenBlob(layer.Digest))
        {
            await other.WriteBlobAsync(blob, layer.Digest, CancellationToken.None);
        }

        var fromBlob = await new LayerRecompressor(other).ConvertLayerAsync(descriptor, layer.DiffId, LayerCompression.Gzip, CancellationToken.None);
        Assert.Equal(fromBlob, converted);
        Assert.Equal(other.ReadBlob(fromBlob.Digest), Store.ReadBlob(converted.Digest));
    }

    [Fact]
    public async Task Converting_a_lazy_layer_whose_snapshot_changed_is_refused()
    {
        var layer = await Store.CommitLayerAsync(Upper(("app/built", "hello")), null, Epoch, _ => { }, null, CancellationToken.None);
        File.WriteAllText(Path.Combine(Store.SnapshotPath(layer.DiffId), "app", "built"), "tampered");
        var descriptor = new Descriptor { MediaType = MediaTypes.OciLayer, Digest = layer.Digest, Size = layer.Size };

        var error = await Assert.ThrowsAsync<StoreException>(() => new LayerRecompressor(Store).ConvertLayerAsync(descriptor, layer.DiffId, LayerCompression.Gzip, CancellationToken.None));

        Assert.Equal(StoreError.DigestMismatch, error.Reason);
        Assert.Contains("its files changed", error.Message);
        Assert.Null(Store.FindConvertedLayer(layer.DiffId, LayerCompression.Gzip));
        Assert.Empty(Store.ListScratch());
    }

    [Fact]
    public async Task Saving_to_a_file_packs_a_lazy_layer_into_the_archive_and_a_pipe_gets_the_same_bytes_from_the_written_blob()
    {
        var layer = await Store.CommitLayerAsync(Upper(("app/built", "hello"), ("etc/conf", "x=1")), null, Epoch, _ => { }, null, CancellationToken.None);
        Tag("app:1", layer);
        IReadOnlyList<(ImageRecord, ImageReference?)> images = [(Store.ResolveImage("app:1"), ImageReference.Parse("app:1"))];
        var file = place.Directory.Combine("app.tar");

        await new Core.Archives.ImageSaver(Store).SaveAsync(images, file, Core.Archives.ArchiveFormat.Docker, CancellationToken.None);

        Assert.False(File.Exists(Store.BlobPath(layer.Digest)));
        using var piped = new MemoryStream();
        await new Core.Archives.ImageSaver(Store).WriteAsync(images, piped, Core.Archives.ArchiveFormat.Docker, CancellationToken.None);
        Assert.True(File.Exists(Store.BlobPath(layer.Digest)));
        Assert.Equal(piped.ToArray(), File.ReadAllBytes(file));
    }

    [Fact]
    public async Task Saving_to_a_file_a_lazy_layer_whose_snapshot_grew_says_its_files_changed_and_leaves_no_archive()
    {
        var layer = await Store.CommitLayerAsync(Upper(("app/built", "hello")), null, Epoch, _ => { }, null, CancellationToken.None);
        Tag("app:1", layer);
        File.WriteAllText(Path.Combine(Store.SnapshotPath(layer.DiffId), "app", "built"), new string('x', 100_000));
        IReadOnlyList<(ImageRecord, ImageReference?)> images = [(Store.ResolveImage("app:1"), ImageReference.Parse("app:1"))];
        var file = place.Directory.Combine("app.tar");

        var error = await Assert.ThrowsAsync<StoreException>(() => new Core.Archives.ImageSaver(Store).SaveAsync(images, file, Core.Archives.ArchiveFormat.Docker, CancellationToken.None));

        Assert.Equal(StoreError.DigestMismatch, error.Reason);
        Assert.Contains("its files changed", error.Message);
        Assert.Empty(Directory.EnumerateFiles(place.Directory.Path, "app.tar*"));
    }

    private string Upper(params (string Path, string Content)[] files)
    {
        var upper = Store.CreateScratchDirectory();
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(upper, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }

        SetTimes(upper, DateTimeOffset.FromUnixTimeSeconds(1_600_000_000));
        return upper;
    }

    private static void SetTimes(string root, DateTimeOffset time)
    {
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Append(root))
        {
            if (File.Exists(path))
            {
                File.SetLastWriteTimeUtc(path, time.UtcDateTime);
            }
            else
            {
                Directory.SetLastWriteTimeUtc(path, time.UtcDateTime);
            }
        }
    }

    private async Task<byte[]> EagerPackAsync(params (string Path, string Content)[] files)
    {
        var upper = Upper(files);
        using var buffer = new MemoryStream();
        await new LayerPacker(Tree).PackAsync(upper, buffer, new LayerPackOptions(LayerCompression.None, null, Epoch), CancellationToken.None);
        Directory.Delete(upper, recursive: true);
        return buffer.ToArray();
    }

    private void Tag(string tag, params PackedLayer[] layers)
    {
        var config = OciJson.Serialize(new ImageConfig { Architecture = "amd64", Os = "linux", RootFs = new RootFs { DiffIds = [.. layers.Select(l => l.DiffId)] } });
        var manifest = OciJson.Serialize(new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = Store.WriteBlob(config), Size = config.Length },
            Layers = [.. layers.Select(l => new Descriptor { MediaType = MediaTypes.OciLayerFor(LayerCompression.None), Digest = l.Digest, Size = l.Size })],
        });
        Store.Tag(new Descriptor { MediaType = MediaTypes.OciManifest, Digest = Store.WriteBlob(manifest), Size = manifest.Length }, ImageReference.Parse(tag));
    }
}
