using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Store;

/// <summary>
/// What a snapshot was made from, and how <c>fsck</c> checks it: the diff id of its layer, and
/// <see cref="Tree"/>, the diff id <see cref="Layers.LayerPacker"/> gives for the snapshot's tree
/// (an uncompressed pack, modification times clamped at <see cref="Epoch"/> when set). A build
/// records the diff id it has just packed from the very directory that becomes the snapshot (so
/// <see cref="Tree"/> is the diff id, for free); a snapshot unpacked from a blob gets its record
/// at its first check, after it matched a fresh unpack of that blob.
/// </summary>
public sealed record SnapshotRecord(Digest DiffId, Digest Tree, DateTimeOffset? Epoch)
{
    public byte[] ToJson() => RecordJson.Write(json =>
    {
        json.WriteString("diffID", DiffId.ToString());
        json.WriteString("tree", Tree.ToString());
        RecordJson.WriteEpoch(json, Epoch);
    });

    /// <summary>The record in <paramref name="json"/>, or null when it is damaged (the snapshot is then checked as if it had none).</summary>
    public static SnapshotRecord? TryParse(byte[] json) => RecordJson.TryRead(json, root =>
        new SnapshotRecord(Digest.Parse(root.GetProperty("diffID").GetString()!), Digest.Parse(root.GetProperty("tree").GetString()!), RecordJson.Epoch(root)));
}
