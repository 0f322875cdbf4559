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
                FileSystem.Directory.Move(scratch, target);
            }
        }
        catch
        {
            DeleteTree(scratch);
            throw;
        }

        return target;
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

    public void DeleteSnapshot(Digest chainId) => DeleteTree(SnapshotPath(chainId));

    /// <summary>
    /// Removes scratch left by ibuild processes that were killed, when no process is adding
    /// content (every writer holds gc.lock shared, see <see cref="ProtectNewContent"/>): then
    /// nothing in scratch can be in use. Returns how many entries went; 0 when writers run.
    /// Works across PID namespaces, where a process id says nothing.
    /// </summary>
    public int RemoveStaleTemporaries()
    {
        using var noWriters = StoreLock.TryAcquire(FileSystem, Path(OwnPath, "gc.lock"), shared: false);
        return noWriters is null ? 0 : RemoveScratch();
    }

    /// <summary>Removes everything in scratch; the caller holds gc.lock exclusively.</summary>
    private int RemoveScratch()
    {
        var removed = 0;
        foreach (var entry in FileSystem.Directory.EnumerateFileSystemEntries(TemporaryPath))
        {
            DeleteTree(entry);
            removed++;
        }

        return removed;
    }

    private void DeleteTree(string path)
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
