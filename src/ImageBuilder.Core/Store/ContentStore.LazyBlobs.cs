using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Tracing;

namespace ImageBuilder.Core.Store;

/// <summary>
/// Layers written once. A build's layer is its step's upper dir, which becomes the snapshot; the
/// layer blob (uncompressed, so its digest is its diff id) is only hashed at commit time, and a
/// <see cref="LazyBlobRecord"/> says which snapshot packs to it. Push and <c>save -o FILE</c> pack
/// the snapshot straight into what they write (<see cref="PackLazyBlobAsync"/>); the first other
/// reader that needs the bytes (<see cref="OpenBlob"/>: a save into a pipe, exports, load's
/// checks) makes the blob by packing the snapshot again, checks it against its digest, and keeps
/// it as any other blob.
/// </summary>
public sealed partial class ContentStore
{
    /// <summary><c>ibuild/lazy-blobs/&lt;blob hex&gt;</c>: the blobs that can be made from a snapshot.</summary>
    internal string LazyBlobsPath => Path(OwnPath, "lazy-blobs");

    /// <summary>The record of a layer blob that is not written but can be made, or null (none, or damaged).</summary>
    public LazyBlobRecord? FindLazyBlob(Digest blob)
    {
        try
        {
            var path = LazyBlobPath(blob);
            return FileSystem.File.Exists(path) ? LazyBlobRecord.TryParse(FileSystem.File.ReadAllBytes(path)) : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null; // made (and its record removed) by another process meanwhile
        }
    }

    /// <summary>Whether <paramref name="blob"/> is a file in <c>blobs/</c> (not merely something that can be made).</summary>
    public bool HasBlobFile(Digest blob) => FileSystem.File.Exists(BlobPath(blob));

    /// <summary>Every lazy blob record: its file, the blob it names (null when the name is not a digest) and its content (null when damaged).</summary>
    internal IReadOnlyList<(string File, Digest? Blob, LazyBlobRecord? Record)> ListLazyBlobRecords()
    {
        if (!FileSystem.Directory.Exists(LazyBlobsPath))
        {
            return [];
        }

        var records = new List<(string File, Digest? Blob, LazyBlobRecord? Record)>();
        foreach (var file in FileSystem.Directory.EnumerateFiles(LazyBlobsPath).Order(StringComparer.Ordinal))
        {
            byte[] bytes;
            try
            {
                bytes = FileSystem.File.ReadAllBytes(file);
            }
            catch (FileNotFoundException)
            {
                continue; // its blob was made (and the record removed) by another process meanwhile
            }

            records.Add((file, Digest.TryParse("sha256:" + FileSystem.Path.GetFileName(file), out var blob) ? blob : null, LazyBlobRecord.TryParse(bytes)));
        }

        return records;
    }

    /// <summary>
    /// Commits a step's filled <paramref name="directory"/> (in scratch) as a layer on top of
    /// <paramref name="parentChainId"/>: packs it into nothing to learn its diff id and size while
    /// making it durable (<paramref name="flush"/>), renames it into place as the snapshot and
    /// records what it packs to (<see cref="SnapshotRecord"/>) and that the layer blob can be made
    /// from it (<see cref="LazyBlobRecord"/>), in that order, each durable before the next; see
    /// docs/ARCHITECTURE.md, "The store". When the snapshot exists already (another build made
    /// the same chain) the directory goes; if that snapshot cannot vouch for the blob, the blob is
    /// written from the directory first. With <paramref name="placeAfter"/>, the directory is packed
    /// and made durable at once but moved (or deleted) only once that task completed: the next
    /// step may be running on it as a lower dir meanwhile. The caller must complete it, also when
    /// the build is cancelled: a layer already packed is then still placed (and can be cached).
    /// </summary>
    public async Task<PackedLayer> CommitLayerAsync(
        string directory, Digest? parentChainId, DateTimeOffset? epoch, Action<string> flush, Task? placeAfter, CancellationToken cancellationToken)
    {
        var options = new LayerPackOptions(LayerCompression.None, null, epoch);

        // The tree is made durable while it is packed: the disk writes it while the CPU hashes it
        // (on layers' 200 MB and 300 MB steps, the pack's 0.16 and 0.22 s no longer add to the
        // flush's 0.27 and 0.4 s). Waited for, whatever happens: the caller deletes the directory.
        var durable = Task.Factory.StartNew(
            () =>
            {
                using (BuildTrace.Durability("fsync tree"))
                {
                    flush(directory);
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        PackedLayer packed;
        try
        {
            packed = await Packer().PackAsync(directory, Stream.Null, options, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
        }
        finally
        {
            await durable.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        if (placeAfter is not null)
        {
            using (BuildTrace.Phase("place wait"))
            {
                await placeAfter;
            }
        }

        var blob = packed.Digest;
        var chainId = ChainId.Next(parentChainId, packed.DiffId);
        var target = SnapshotPath(chainId);
        using (var phase = BuildTrace.Phase("snapshot"))
        {
            if (!FileSystem.Directory.Exists(target))
            {
                await durable;

                // Looked at again after the flush, which can take seconds: another build may have
                // put the same chain in place meanwhile, and its record is not this one's to delete.
                if (!FileSystem.Directory.Exists(target))
                {
                    DeleteSnapshotRecord(chainId);
                }

                if (TryMoveIntoPlace(directory, target))
                {
                    // A record never points at a snapshot that a crash could still take back.
                    SyncDirectory(SnapshotsPath);
                    WriteSnapshotRecord(chainId, new SnapshotRecord(packed.DiffId, packed.DiffId, epoch));
                    if (!HasBlob(blob))
                    {
                        WriteLazyBlobRecord(blob, new LazyBlobRecord(chainId, packed.Size, epoch));
                    }

                    return packed;
                }
            }

            phase.Arg("existed", true);
        }

        try
        {
            if (!HasBlob(blob))
            {
                // The same tree, but perhaps packed with another epoch: only its record can say what it packs to.
                if (FindSnapshotRecord(chainId) is { } record && record.Tree == blob)
                {
                    WriteLazyBlobRecord(blob, new LazyBlobRecord(chainId, packed.Size, record.Epoch));
                }
                else
                {
                    await WriteBlobFromTreeAsync(directory, blob, options, cancellationToken);
                }
            }
        }
        finally
        {
            DeleteTree(directory);
        }

        return packed;
    }

    /// <summary>Makes <paramref name="blob"/> a file in <c>blobs/</c>: a layer not written yet is written from its snapshot.</summary>
    /// <exception cref="StoreException">BlobNotFound: neither a file nor makeable; DigestMismatch: the snapshot no longer packs to the blob (its files changed).</exception>
    public async Task WriteBlobFileAsync(Digest blob, CancellationToken cancellationToken)
    {
        if (!HasBlobFile(blob) && !await TryMakeBlobAsync(blob, cancellationToken) && !HasBlobFile(blob))
        {
            throw BlobMissing(blob);
        }
    }

    /// <summary>
    /// Writes the blob of <paramref name="blob"/>'s lazy record by packing its snapshot; false when
    /// there is no usable record (or its snapshot is gone).
    /// </summary>
    /// <exception cref="StoreException">DigestMismatch: the snapshot no longer packs to the blob (its files changed).</exception>
    private bool TryMakeBlob(Digest blob) =>
        // Off the caller's synchronization context: OpenBlob is synchronous, packing is not.
        Task.Run(() => TryMakeBlobAsync(blob, CancellationToken.None)).GetAwaiter().GetResult();

    private async Task<bool> TryMakeBlobAsync(Digest blob, CancellationToken cancellationToken)
    {
        if (FindLazyBlob(blob) is not { } record || !HasSnapshot(record.Snapshot))
        {
            return false;
        }

        using var phase = BuildTrace.Phase("layer blob");
        phase.Arg("bytes", record.Size);
        var options = new LayerPackOptions(LayerCompression.None, null, record.Epoch);
        await WriteBlobFromTreeAsync(SnapshotPath(record.Snapshot), blob, options, cancellationToken);
        DeleteTree(LazyBlobPath(blob));
        return true;
    }

    /// <summary>
    /// Packs the snapshot that the lazy layer <paramref name="blob"/> is made from straight into
    /// <paramref name="destination"/> in <paramref name="compression"/>, without writing the
    /// (uncompressed) blob itself: push and export compress a built layer in one pass. Null when
    /// the blob is written, or has no usable record: read it then.
    /// </summary>
    /// <exception cref="StoreException">DigestMismatch: the snapshot no longer packs to the blob (its files changed).</exception>
    public async Task<PackedLayer?> PackLazyBlobAsync(Digest blob, Stream destination, LayerCompression compression, CancellationToken cancellationToken)
    {
        if (HasBlobFile(blob) || FindLazyBlob(blob) is not { } record || !HasSnapshot(record.Snapshot))
        {
            return null;
        }

        using var phase = BuildTrace.Phase("layer from snapshot");
        phase.Arg("bytes", record.Size);
        var tree = SnapshotPath(record.Snapshot);
        var packed = await Packer().PackAsync(tree, destination, new LayerPackOptions(compression, null, record.Epoch), cancellationToken);
        return packed.DiffId == blob ? packed : throw new StoreException(
            StoreError.DigestMismatch,
            $"layer {blob} cannot be made from {tree}: its files changed since the build (they pack to {packed.DiffId}); `ibuild fsck --repair` removes what is broken");
    }

    /// <summary>Packs <paramref name="tree"/> into the blob store; it must give <paramref name="blob"/>.</summary>
    private async Task WriteBlobFromTreeAsync(string tree, Digest blob, LayerPackOptions options, CancellationToken cancellationToken)
    {
        await using var writer = BeginBlob();
        await Packer().PackAsync(tree, writer.Stream, options, cancellationToken);
        try
        {
            writer.Commit(blob);
        }
        catch (StoreException e) when (e.Reason == StoreError.DigestMismatch)
        {
            throw new StoreException(
                StoreError.DigestMismatch,
                $"layer {blob} cannot be made from {tree}: its files changed since the build ({e.Message}); `ibuild fsck --repair` removes what is broken",
                e);
        }
    }

    /// <summary>Packs the snapshot a lazy blob is made from into nothing: the blob's digest if the snapshot is intact.</summary>
    internal async Task<Digest> LazyBlobDigestAsync(LazyBlobRecord record, CancellationToken cancellationToken) =>
        (await Packer().PackAsync(SnapshotPath(record.Snapshot), Stream.Null, new LayerPackOptions(LayerCompression.None, null, record.Epoch), cancellationToken)).Digest;

    private void WriteLazyBlobRecord(Digest blob, LazyBlobRecord record)
    {
        FileSystem.Directory.CreateDirectory(LazyBlobsPath);
        WriteFileAtomically(LazyBlobPath(blob), record.ToJson());
    }

    private string LazyBlobPath(Digest blob) => Path(LazyBlobsPath, blob.Encoded);

    private LayerPacker Packer() => new(treeReader ?? throw new InvalidOperationException("this store was opened without a file tree reader: it cannot pack snapshots"));
}
