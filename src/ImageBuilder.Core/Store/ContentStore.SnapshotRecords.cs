using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Store;

public sealed partial class ContentStore
{
    /// <summary>Where each snapshot's <see cref="SnapshotRecord"/> lives: <c>ibuild/snapshot-records/&lt;chain id hex&gt;</c>,
    /// beside the snapshot rather than in it (a snapshot is an overlayfs lower dir: every file in it is in the image).</summary>
    internal string SnapshotRecordsPath => Path(OwnPath, "snapshot-records");

    /// <summary>The record of the snapshot <paramref name="chainId"/>, or null when it has none (or a damaged one).</summary>
    public SnapshotRecord? FindSnapshotRecord(Digest chainId)
    {
        var path = SnapshotRecordPath(chainId);
        return FileSystem.File.Exists(path) ? SnapshotRecord.TryParse(FileSystem.File.ReadAllBytes(path)) : null;
    }

    /// <summary>Stores (or replaces) the record of the snapshot <paramref name="chainId"/>, atomically.</summary>
    public void WriteSnapshotRecord(Digest chainId, SnapshotRecord record)
    {
        FileSystem.Directory.CreateDirectory(SnapshotRecordsPath);
        WriteFileAtomically(SnapshotRecordPath(chainId), record.ToJson());
    }

    /// <summary>Removes a snapshot's record. It goes before its snapshot and before a new snapshot takes the
    /// chain id's place, so a record never describes a tree it was not made for.</summary>
    private void DeleteSnapshotRecord(Digest chainId) => DeleteTree(SnapshotRecordPath(chainId));

    private string SnapshotRecordPath(Digest chainId) => Path(SnapshotRecordsPath, chainId.Encoded);
}
