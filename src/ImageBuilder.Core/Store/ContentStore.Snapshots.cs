using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Store;

public sealed partial class ContentStore
{
    /// <summary>Where the unpacked layer with this chain id lives (an overlayfs lower dir).</summary>
    public string SnapshotPath(Digest chainId) => Path(SnapshotsPath, chainId.Encoded);

    public bool HasSnapshot(Digest chainId) => FileSystem.Directory.Exists(SnapshotPath(chainId));

    /// <summary>
    /// Makes the snapshot for <paramref name="chainId"/> unless it exists: <paramref name="fill"/>
    /// writes into a fresh scratch directory, which is renamed into place only when it succeeds.
    /// A failure (or a kill) leaves nothing under <c>snapshots/</c>.
    /// </summary>
    public async Task<string> EnsureSnapshotAsync(Digest chainId, Func<string, Task> fill, CancellationToken cancellationToken)
    {
        var target = SnapshotPath(chainId);
        if (FileSystem.Directory.Exists(target))
        {
            return target;
        }

        var scratch = NewTemporaryPath();
        FileSystem.Directory.CreateDirectory(scratch);
        try
        {
            await fill(scratch);
            cancellationToken.ThrowIfCancellationRequested();
            if (FileSystem.Directory.Exists(target))
            {
                DeleteTree(scratch);
            }
            else
            {
                DeleteSnapshotRecord(chainId);
                if (TryMoveIntoPlace(scratch, target))
                {
                    SyncDirectory(SnapshotsPath);
                }
                else
                {
                    DeleteTree(scratch);
                }
            }
        }
        catch
        {
            DeleteTree(scratch);
            throw;
        }

        return target;
    }

    /// <summary>
    /// Renames a finished snapshot into place; false when another process won the race: its copy
    /// (the same chain id, so the same tree) stays, and ours is still at <paramref name="scratch"/>.
    /// </summary>
    private bool TryMoveIntoPlace(string scratch, string target)
    {
        try
        {
            FileSystem.Directory.Move(scratch, target);
            return true;
        }
        catch (IOException) when (FileSystem.Directory.Exists(target))
        {
            return false;
        }
    }

    public IEnumerable<Digest> ListSnapshots()
    {
        foreach (var dir in FileSystem.Directory.EnumerateDirectories(SnapshotsPath))
        {
            if (Digest.TryParse("sha256:" + FileSystem.Path.GetFileName(dir), out var chainId))
            {
                yield return chainId;
            }
        }
    }

    /// <summary>
    /// The snapshots of an image's layers, bottom first, each unpacked from its blob where missing
    /// (a prune, an fsck repair or another store removed it).
    /// </summary>
    /// <exception cref="StoreException">BlobNotFound; Corrupt when the counts differ; DigestMismatch when a layer
    /// does not unpack to its diff id.</exception>
    public async Task<IReadOnlyList<string>> UnpackSnapshotsAsync(
        IReadOnlyList<Descriptor> layers, IReadOnlyList<Digest> diffIds, LayerUnpacker unpacker, CancellationToken cancellationToken)
    {
        if (layers.Count != diffIds.Count)
        {
            throw new StoreException(StoreError.Corrupt, $"the image has {layers.Count} layers but its config lists {diffIds.Count} diff_ids");
        }

        var chainIds = ChainId.All(diffIds);
        var paths = new List<string>(layers.Count);
        for (var i = 0; i < layers.Count; i++)
        {
            paths.Add(await UnpackSnapshotAsync(chainIds[i], layers[i], diffIds[i], unpacker, cancellationToken));
        }

        return paths;
    }

    /// <summary>The snapshot <paramref name="chainId"/>, unpacked from <paramref name="layer"/>'s blob when missing.</summary>
    /// <exception cref="StoreException">BlobNotFound; DigestMismatch when the layer does not unpack to <paramref name="diffId"/>.</exception>
    public Task<string> UnpackSnapshotAsync(
        Digest chainId, Descriptor layer, Digest diffId, LayerUnpacker unpacker, CancellationToken cancellationToken) =>
        EnsureSnapshotAsync(chainId, async dir =>
        {
            await using var blob = OpenBlob(layer.Digest);
            var unpacked = await unpacker.UnpackAsync(blob, dir, cancellationToken);
            if (unpacked.DiffId != diffId)
            {
                throw new StoreException(StoreError.DigestMismatch, $"layer {layer.Digest} unpacks to {unpacked.DiffId}, but the config says {diffId}");
            }
        }, cancellationToken);

    /// <summary>Removes a snapshot and its record (the record first).</summary>
    public void DeleteSnapshot(Digest chainId)
    {
        DeleteSnapshotRecord(chainId);
        DeleteTree(SnapshotPath(chainId));
    }

    /// <summary>
    /// Removes scratch left by ibuild processes that were killed, when no process is adding
    /// content (every writer holds gc.lock shared, see <see cref="ProtectNewContent"/>): then
    /// nothing in scratch can be in use. Returns how many entries went; 0 when writers run.
    /// Works across PID namespaces, where a process id says nothing.
    /// </summary>
    public int RemoveStaleTemporaries()
    {
        using var noWriters = TryExcludeWriters();
        return noWriters is null ? 0 : RemoveScratch();
    }

    /// <summary>Whether scratch holds anything: a running writer's work, or what a killed process left.</summary>
    public bool HasTemporaries => ListScratch().Count > 0;

    /// <summary><see cref="ExcludeWriters"/> if no writer runs right now, else null (never waits).</summary>
    internal StoreLock? TryExcludeWriters() => StoreLock.TryAcquire(FileSystem, GcLockPath, shared: false);

    /// <summary>
    /// What is in scratch (full paths), a directory for files (<see cref="FileScratchSuffix"/>) by
    /// what it holds; every entry is a leftover while no writer holds gc.lock.
    /// </summary>
    public IReadOnlyList<string> ListScratch() =>
        [.. ScratchEntries().SelectMany(entry => IsFileScratch(entry) ? FileSystem.Directory.EnumerateFileSystemEntries(entry) : [entry]).Order(StringComparer.Ordinal)];

    /// <summary>Removes everything in scratch (and the directories for files, empty or not); the caller holds gc.lock exclusively.</summary>
    internal int RemoveScratch()
    {
        var removed = 0;
        foreach (var entry in ScratchEntries())
        {
            removed += IsFileScratch(entry) ? FileSystem.Directory.EnumerateFileSystemEntries(entry).Count() : 1;
            DeleteTree(entry);
        }

        return removed;
    }

    private IEnumerable<string> ScratchEntries() =>
        FileSystem.Directory.Exists(TemporaryPath) ? FileSystem.Directory.EnumerateFileSystemEntries(TemporaryPath) : [];

    private bool IsFileScratch(string entry) =>
        entry.EndsWith(FileScratchSuffix, StringComparison.Ordinal) && FileSystem.Directory.Exists(entry);

    internal void DeleteTree(string path)
    {
        try
        {
            if (FileSystem.Directory.Exists(path))
            {
                FileSystem.Directory.Delete(path, recursive: true);
            }
            else if (FileSystem.File.Exists(path))
            {
                FileSystem.File.Delete(path);
            }
        }
        catch (IOException)
        {
            // Left for the next clean-up; scratch content is never read as store content.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
