using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Store;

/// <summary>
/// A layer blob the store has not written yet but can make: packing the snapshot
/// <see cref="Snapshot"/> uncompressed, with modification times clamped at <see cref="Epoch"/>
/// when set, gives the blob's <see cref="Size"/> bytes exactly (the packer is deterministic; the
/// blob's digest is the record's name). Kept in <c>ibuild/lazy-blobs/&lt;blob hex&gt;</c>.
/// </summary>
public sealed record LazyBlobRecord(Digest Snapshot, long Size, DateTimeOffset? Epoch)
{
    public byte[] ToJson() => RecordJson.Write(json =>
    {
        json.WriteString("snapshot", Snapshot.ToString());
        json.WriteNumber("size", Size);
        RecordJson.WriteEpoch(json, Epoch);
    });

    /// <summary>The record in <paramref name="json"/>, or null when it is damaged (the blob then cannot be made).</summary>
    public static LazyBlobRecord? TryParse(byte[] json) => RecordJson.TryRead(json, root =>
        root.GetProperty("size").GetInt64() is var size and >= 0
            ? new LazyBlobRecord(Digest.Parse(root.GetProperty("snapshot").GetString()!), size, RecordJson.Epoch(root))
            : null);
}
