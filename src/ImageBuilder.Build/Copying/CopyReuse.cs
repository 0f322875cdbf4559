using ImageBuilder.Core.Layers;
using ImageBuilder.Linux.Layers;
using ImageBuilder.Linux.Native;

namespace ImageBuilder.Build.Copying;

/// <summary>
/// A COPY from the context that remembers what it wrote (<see cref="Written"/>) and, when the same
/// step ran before on the same parent (<see cref="Previous"/>), starts from that run's snapshot
/// instead of from nothing: the upper dir begins as a <see cref="SharedTree"/> of the previous
/// snapshot, entries whose source turned from a directory into something else (or back) are
/// removed, the copy's walk then goes over every source as a full copy does but leaves alone each
/// entry that is already there exactly as it would write it (same source, same fingerprint), and
/// what the previous run wrote and this one does not is removed last. The walk makes every other
/// decision as a full copy: the result is the same tree, with the unchanged files shared.
/// </summary>
/// <remarks>
/// Anything this cannot follow exactly — a directory the previous run created whose own metadata
/// changed, an archive ADD extracts, a stale directory that still holds something — is a
/// <see cref="CopyReuseMismatchException"/>, and the caller starts again with a full copy.
/// </remarks>
/// <param name="contentHash">The sha256 (hex) of a context file by (path, size, modification time in ns, inode), when it is known and the file still has that stat.</param>
/// <param name="previousSnapshot">The previous run's snapshot directory; null: a full copy that only records.</param>
/// <param name="previous">What the previous run wrote.</param>
public sealed class CopyReuse(Func<string, long, long, ulong, string?> contentHash, string? previousSnapshot = null, CopyManifest? previous = null)
{
    private readonly HashSet<string> visited = new(StringComparer.Ordinal);

    // The upper dir the copy started from the previous snapshot in (what TryKeep looks at).
    private string? upper;

    /// <summary>The previous run's snapshot, while the copy still starts from it.</summary>
    public string? PreviousSnapshot { get; private set; } = previous is null ? null : previousSnapshot;

    /// <summary>What the previous run wrote, while the copy still starts from it.</summary>
    public CopyManifest? Previous { get; private set; } = previousSnapshot is null ? null : previous;

    /// <summary>What this copy wrote; null when it wrote something a manifest cannot describe (an extracted archive).</summary>
    public CopyManifest? Written { get; private set; } = new();

    /// <summary>Entries the shared tree linked to the previous snapshot.</summary>
    public long Linked { get; private set; }

    /// <summary>Entries the walk found unchanged and left as linked.</summary>
    public long Kept { get; private set; }

    /// <summary>Entries the walk wrote.</summary>
    public long Rewritten { get; private set; }

    /// <summary>Entries of the previous run removed (their source is gone, or changed kind).</summary>
    public long Removed { get; private set; }

    /// <summary>
    /// Fills the empty <paramref name="upperDir"/> with the previous snapshot's tree (shared),
    /// then removes the entries whose source (in <paramref name="sourceRoot"/>) is now a directory
    /// where it was not, or the other way round: the walk could not write over them as a full copy would.
    /// </summary>
    public void StartFromPrevious(string upperDir, string sourceRoot)
    {
        ArgumentNullException.ThrowIfNull(sourceRoot);
        upper = upperDir;
        Linked = SharedTree.Clone(PreviousSnapshot ?? throw new InvalidOperationException("no previous run to start from"), upperDir);
        foreach (var (target, entry) in Previous!.Entries.OrderByDescending(e => e.Key, StringComparer.Ordinal))
        {
            FileStatus status;
            try
            {
                status = Syscalls.LStat(sourceRoot + "/" + entry.Source);
            }
            catch (LinuxException)
            {
                continue; // gone: removed after the walk unless it writes the name again
            }

            if ((status.FileType == FileStatus.TypeDirectory) != entry.Directory && SharedTree.Remove(upperDir, target, recursive: true))
            {
                Removed++;
            }
        }
    }

    /// <summary>After the walk: removes what the previous run wrote and this one did not (deepest first), each parent keeping its time.</summary>
    public void RemoveStale(string upperDir)
    {
        if (Previous is null)
        {
            return;
        }

        foreach (var target in Previous.Entries.Keys.Where(t => !visited.Contains(t)).OrderByDescending(t => t, StringComparer.Ordinal))
        {
            try
            {
                if (SharedTree.Remove(upperDir, target, recursive: false))
                {
                    Removed++;
                }
            }
            catch (LinuxException error)
            {
                throw new CopyReuseMismatchException($"/{target} is no longer copied but cannot be removed alone ({error.Message})");
            }
        }
    }

    /// <summary>Forgets the previous run and what was recorded so far: the copy starts again from an empty upper dir.</summary>
    public void FallBackToFullCopy()
    {
        PreviousSnapshot = null;
        Previous = null;
        Written = new();
        visited.Clear();
        Linked = Kept = Rewritten = Removed = 0;
    }

    /// <summary>The copy wrote entries no manifest describes (an extracted archive): nothing is recorded, and a copy starting from a previous run cannot go on.</summary>
    internal void RecordUntracked()
    {
        Written = null;
        if (Previous is not null)
        {
            throw new CopyReuseMismatchException("an archive was extracted");
        }
    }

    /// <summary>
    /// Whether the non-directory <paramref name="entry"/>, about to be written from
    /// <paramref name="resolved"/>, is already there as the previous run wrote it from the same
    /// source with the same fingerprint (and not written over since in this walk): then it is left
    /// as it is and counted as written. The shared tree holds it: only an entry whose source
    /// changed kind was removed before the walk (and its fingerprint differs), and the walk never
    /// removes a directory (a non-directory refuses to replace one).
    /// </summary>
    internal bool TryKeep(string resolved, FileStatus status, FileTreeEntry entry)
    {
        if (Previous is null || visited.Contains(entry.Path) || !Previous.Entries.TryGetValue(entry.Path, out var before)
            || before.Directory || before.Fingerprint is null || before.Source != resolved)
        {
            return false;
        }

        if (Fingerprint(resolved, status, entry) != before.Fingerprint || !IsThereAsWritten(entry))
        {
            return false;
        }

        visited.Add(entry.Path);
        Written?.Entries[entry.Path] = before;
        Kept++;
        return true;
    }

    /// <summary>
    /// Whether the upper dir holds <paramref name="entry"/> as a full copy would write it: same kind,
    /// size, permissions, owner, time and link target. The manifest says what the previous run
    /// wrote, but not that its snapshot still is that tree here: an entry removed with a directory
    /// another source changed kind under, or a snapshot made by another build (or unpacked from a
    /// blob) with clamped times, is written again.
    /// </summary>
    private bool IsThereAsWritten(FileTreeEntry entry)
    {
        if (upper is null)
        {
            return false;
        }

        FileStatus there;
        try
        {
            there = Syscalls.LStat(upper + "/" + entry.Path);
        }
        catch (LinuxException)
        {
            return false;
        }

        var type = entry.Kind switch
        {
            FileTreeEntryKind.RegularFile => FileStatus.TypeRegular,
            FileTreeEntryKind.Symlink => FileStatus.TypeSymlink,
            FileTreeEntryKind.CharDevice => FileStatus.TypeCharDevice,
            FileTreeEntryKind.BlockDevice => FileStatus.TypeBlockDevice,
            FileTreeEntryKind.Fifo => FileStatus.TypeFifo,
            _ => 0u,
        };
        return type != 0 && there.FileType == type && there.Uid == entry.Uid && there.Gid == entry.Gid
            && there.ModificationTime == entry.ModificationTime
            && (type == FileStatus.TypeSymlink ? Syscalls.ReadLink(upper + "/" + entry.Path) == entry.LinkTarget : there.Permissions == (entry.Mode & 0xFFF))
            && (type != FileStatus.TypeRegular || there.Size == entry.Size);
    }

    /// <summary>Records a non-directory entry the walk wrote; <paramref name="reusable"/> false for a file of a hard-link group.</summary>
    /// <exception cref="CopyReuseMismatchException">An incremental copy writes the same name twice (two sources meet there): what lies below it is no longer known.</exception>
    internal void RecordWritten(string resolved, FileStatus status, FileTreeEntry entry, bool reusable)
    {
        if (!visited.Add(entry.Path) && Previous is not null)
        {
            throw new CopyReuseMismatchException($"/{entry.Path} is written twice");
        }

        Written?.Entries[entry.Path] = new CopyManifestEntry(resolved, Directory: false, Created: false, reusable ? Fingerprint(resolved, status, entry) : null);
        Rewritten++;
    }

    /// <summary>
    /// Records a directory the walk wrote or found (<paramref name="found"/>). One found only
    /// because the previous run created it must still have the metadata this source gives it.
    /// </summary>
    /// <exception cref="CopyReuseMismatchException">It does not.</exception>
    internal void RecordDirectory(string resolved, FileTreeEntry entry, bool found)
    {
        if (!visited.Add(entry.Path))
        {
            return;
        }

        var fingerprint = CopyManifest.Fingerprint(entry, null);
        var created = !found;
        if (found && Previous is not null && Previous.Entries.TryGetValue(entry.Path, out var before) && before is { Directory: true, Created: true })
        {
            if (before.Fingerprint != fingerprint)
            {
                throw new CopyReuseMismatchException($"the directory /{entry.Path} has new metadata");
            }

            created = true;
        }

        Written?.Entries[entry.Path] = new CopyManifestEntry(resolved, Directory: true, created, fingerprint);
    }

    /// <summary>The entry's fingerprint; null for a file whose content hash the context does not know at this stat.</summary>
    private string? Fingerprint(string resolved, FileStatus status, FileTreeEntry entry)
    {
        string? hash = null;
        if (entry.Kind == FileTreeEntryKind.RegularFile)
        {
            hash = contentHash(resolved, status.Size, (status.ModifiedSeconds * 1_000_000_000) + status.ModifiedNanoseconds, status.Inode);
            if (hash is null)
            {
                return null;
            }
        }

        return CopyManifest.Fingerprint(entry, hash);
    }
}

/// <summary>A copy that started from a previous run met something it cannot follow exactly; the caller copies in full instead.</summary>
public sealed class CopyReuseMismatchException(string message) : Exception(message);
