using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Store;

public sealed partial class StoreChecker
{
    /// <summary>Packing with every time clamped to 0: a tree's digest without its modification times.</summary>
    private static readonly DateTimeOffset NoTimes = DateTimeOffset.UnixEpoch;

    /// <summary>Checks every snapshot (see the class remarks); returns how many there are and how many could not be checked.</summary>
    private async Task<(int Snapshots, int Unverified)> CheckSnapshotsAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        var unverified = 0;
        foreach (var chainId in store.ListSnapshots().ToList())
        {
            count++;
            chains.TryGetValue(chainId, out var layer);
            string? reason;
            if (store.FindSnapshotRecord(chainId) is { } record)
            {
                reason = await AgainstRecordAsync(chainId, record, layer, cancellationToken);
            }
            else if (layer is { Whole: true })
            {
                reason = await AgainstBlobAsync(chainId, layer, cancellationToken);
            }
            else
            {
                // No record, and no whole layer to compare with: nothing says what it should hold.
                unverified++;
                continue;
            }

            if (reason is not null)
            {
                var subject = layer is null ? chainId.ToString() : $"{chainId} ({layer.Where})";
                problems.Add(new StoreProblem(StoreDamage.BrokenSnapshot, subject, reason) { Target = chainId });
            }
        }

        return (count, unverified);
    }

    /// <summary>A recorded snapshot packs, the way its record says, to the recorded tree digest.</summary>
    private async Task<string?> AgainstRecordAsync(Digest chainId, SnapshotRecord record, ChainLayer? layer, CancellationToken cancellationToken)
    {
        if (layer is not null && layer.DiffId != record.DiffId)
        {
            return $"it was made for diff id {record.DiffId}, but the image's layer has diff id {layer.DiffId}";
        }

        var tree = await TreeDigestAsync(store.SnapshotPath(chainId), record.Epoch, cancellationToken);
        return tree == record.Tree ? null : $"its files changed since it was made: they pack to {tree}, not {record.Tree}";
    }

    /// <summary>An unrecorded snapshot has the files a fresh unpack of its layer blob has (times aside); if so it gets a record.</summary>
    private async Task<string?> AgainstBlobAsync(Digest chainId, ChainLayer layer, CancellationToken cancellationToken)
    {
        var scratch = store.CreateScratchDirectory();
        Digest expected;
        try
        {
            await using (var blob = store.OpenBlob(layer.Layer.Digest))
            {
                await new LayerUnpacker(writer).UnpackAsync(blob, scratch, cancellationToken);
            }

            expected = await TreeDigestAsync(scratch, NoTimes, cancellationToken);
        }
        finally
        {
            store.DeleteTree(scratch);
        }

        var tree = await TreeDigestAsync(store.SnapshotPath(chainId), NoTimes, cancellationToken);
        if (tree != expected)
        {
            return $"its files differ from those of layer {layer.Layer.Digest}, which it is unpacked from";
        }

        store.WriteSnapshotRecord(chainId, new SnapshotRecord(layer.DiffId, tree, NoTimes));
        return null;
    }

    /// <summary>The diff id <see cref="LayerPacker"/> gives the tree at <paramref name="directory"/> (packed into nothing).</summary>
    private async Task<Digest> TreeDigestAsync(string directory, DateTimeOffset? epoch, CancellationToken cancellationToken) =>
        (await new LayerPacker(reader).PackAsync(directory, Stream.Null, new LayerPackOptions(LayerCompression.None, null, epoch), cancellationToken)).DiffId;
}
