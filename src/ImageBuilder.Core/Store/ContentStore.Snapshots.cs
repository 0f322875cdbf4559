using System.Globalization;
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
    /// Removes scratch files and directories left by ibuild processes that no longer run
    /// (a killed import or build). Scratch names start with the owner's process id.
    /// </summary>
    public int RemoveStaleTemporaries()
    {
        var removed = 0;
        foreach (var entry in FileSystem.Directory.EnumerateFileSystemEntries(TemporaryPath))
        {
            var name = FileSystem.Path.GetFileName(entry);
            var dash = name.IndexOf('-');
            if (dash <= 0 || !int.TryParse(name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                || (pid != Environment.ProcessId && !FileSystem.Directory.Exists($"/proc/{pid}")))
            {
                DeleteTree(entry);
                removed++;
            }
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
