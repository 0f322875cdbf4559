using ImageBuilder.Build.Context;
using ImageBuilder.Core.Layers;
using ImageBuilder.Dockerfile.Ignore;
using ImageBuilder.Linux.Native;

namespace ImageBuilder.Build.Copying;

/// <summary>
/// Copies one resolved source (a file, a directory's contents, a symlink) to its target, with
/// fsutil's rules as BuildKit applies them: a directory that already exists keeps its owner and
/// mode (only its time becomes the source's); a new one takes the source's metadata; a file
/// replaces a non-directory and refuses to replace a directory; a directory refuses to go over a
/// non-directory. Filtered-out directories (.dockerignore, --exclude, --parents) are created only
/// when something below them is copied. Files that share an inode in the source share one here.
/// </summary>
internal sealed class CopyWalk(SourceTree source, DestinationTree destination, CopyFilters filters, CopyOptions options, ModeSpec? mode, CopyReuse? reuse = null)
{
    private const string SelinuxLabel = "security.selinux";
    private const int ENAMETOOLONG = 36;

    private readonly Dictionary<(ulong, ulong), string> linked = [];
    private readonly List<(string Path, DateTimeOffset Time)> directoryTimes = [];
    private readonly List<(string Host, string Target, FileStatus Status)> pending = [];

    /// <summary>Copies the resolved source <paramref name="resolved"/> to <paramref name="target"/>.</summary>
    public void Copy(string resolved, FileStatus status, string target)
    {
        CopyNode(resolved, status, target, relative: "", MatchState.Start);
    }

    /// <summary>Sets every directory's time last, once nothing more is written inside it.</summary>
    public void Finish()
    {
        for (var i = directoryTimes.Count - 1; i >= 0; i--)
        {
            destination.Writer.SetDirectoryTime(destination.Root, directoryTimes[i].Path, directoryTimes[i].Time);
        }
    }

    private void CopyNode(string resolved, FileStatus status, string target, string relative, MatchState parent)
    {
        var (included, state) = filters.Evaluate(resolved, relative, parent);
        var isDirectory = status.FileType == FileStatus.TypeDirectory;
        if (!included)
        {
            if (isDirectory && filters.MayIncludeBelow(state))
            {
                pending.Add((resolved, target, status));
                CopyChildren(resolved, target, relative, state);
                if (pending.Count > 0 && pending[^1].Target == target)
                {
                    pending.RemoveAt(pending.Count - 1);
                }
            }

            return;
        }

        CreatePending();
        if (isDirectory)
        {
            WriteDirectory(resolved, status, target);
            CopyChildren(resolved, target, relative, state);
            return;
        }

        var host = source.HostPath(resolved);
        var described = Describe(host, status, target);
        var inGroup = status.FileType == FileStatus.TypeRegular && status.LinkCount > 1;
        var entry = status.FileType switch
        {
            FileStatus.TypeRegular when inGroup && linked.TryGetValue((status.Device, status.Inode), out var first) =>
                described with { Kind = FileTreeEntryKind.Hardlink, LinkTarget = first },
            FileStatus.TypeRegular => described with { Kind = FileTreeEntryKind.RegularFile, Size = status.Size },
            FileStatus.TypeSymlink => described with { Kind = FileTreeEntryKind.Symlink, LinkTarget = Syscalls.ReadLink(host) },
            FileStatus.TypeCharDevice => described with { Kind = FileTreeEntryKind.CharDevice, DeviceMajor = status.DeviceMajor, DeviceMinor = status.DeviceMinor },
            FileStatus.TypeBlockDevice => described with { Kind = FileTreeEntryKind.BlockDevice, DeviceMajor = status.DeviceMajor, DeviceMinor = status.DeviceMinor },
            FileStatus.TypeFifo => described with { Kind = FileTreeEntryKind.Fifo },
            _ => (FileTreeEntry?)null, // a socket cannot be copied into an image
        };
        if (entry is null)
        {
            return;
        }

        // An incremental copy leaves an entry that is already there as this source would write it
        // (never a file of a hard-link group: its other names link to the one written here).
        if (!inGroup && reuse is not null && reuse.TryKeep(resolved, status, entry))
        {
            return;
        }

        if (destination.NodeType(target) == FileNodeType.Directory)
        {
            throw new CopyException($"cannot replace to directory {SourcePath.Display(target)} with file");
        }

        if (entry.Kind == FileTreeEntryKind.RegularFile)
        {
            using var handle = Syscalls.OpenReadNoFollow(host);
            using var content = new FileStream(handle, FileAccess.Read, bufferSize: 0);
            destination.Write(entry, content);
        }
        else
        {
            destination.Write(entry, null);
        }

        if (inGroup && entry.Kind == FileTreeEntryKind.RegularFile)
        {
            linked[(status.Device, status.Inode)] = target;
        }

        reuse?.RecordWritten(resolved, status, entry, reusable: !inGroup);
    }

    private void CopyChildren(string resolved, string target, string relative, MatchState state)
    {
        var host = source.HostPath(resolved);
        var names = ReadSource(resolved, () => Syscalls.ListDirectory(host).Select(n => n.Name).ToList());
        names.Sort(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var status = ReadSource(SourcePath.Join(resolved, name), () => Syscalls.LStat(host + "/" + name));
            CopyNode(SourcePath.Join(resolved, name), status, SourcePath.Join(target, name), SourcePath.Join(relative, name), state);
        }
    }

    /// <summary>A read of the source tree by host path, which Linux refuses past PATH_MAX (a tree a RUN step made too deep).</summary>
    private static T ReadSource<T>(string resolved, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (LinuxException error) when (error.Errno == ENAMETOOLONG)
        {
            throw CopyException.Refused($"{SourcePath.Quote(SourcePath.Display(resolved))}: the path is longer than Linux allows", error);
        }
    }

    /// <summary>Creates the filtered-out directories above an entry that is copied after all.</summary>
    private void CreatePending()
    {
        foreach (var (host, target, status) in pending)
        {
            WriteDirectory(host, status, target);
        }

        pending.Clear();
    }

    private void WriteDirectory(string resolved, FileStatus status, string target)
    {
        switch (destination.NodeType(target))
        {
            case FileNodeType.Directory:
                reuse?.RecordDirectory(resolved, Describe(source.HostPath(resolved), status, target) with { Kind = FileTreeEntryKind.Directory }, found: true);
                break;
            case FileNodeType.Missing:
                var entry = Describe(source.HostPath(resolved), status, target) with { Kind = FileTreeEntryKind.Directory };
                destination.Write(entry, null);
                reuse?.RecordDirectory(resolved, entry, found: false);
                break;
            default:
                throw new CopyException($"cannot copy to non-directory: {SourcePath.Display(target)}");
        }

        directoryTimes.Add((target, status.ModificationTime));
    }

    private FileTreeEntry Describe(string host, FileStatus status, string target)
    {
        var isDirectory = status.FileType == FileStatus.TypeDirectory;
        var keepOwner = !filters.FromContext;
        return new FileTreeEntry
        {
            Path = target,
            Kind = FileTreeEntryKind.RegularFile,
            Mode = mode is null || status.FileType == FileStatus.TypeSymlink ? status.Permissions : mode.Apply(status.Permissions, isDirectory),
            Uid = options.Uid ?? (keepOwner ? (int)status.Uid : 0),
            Gid = options.Gid ?? (keepOwner ? (int)status.Gid : 0),
            ModificationTime = status.ModificationTime,
            ExtendedAttributes = ReadAttributes(host),
        };
    }

    // Kept as the source has them, except overlayfs' own and the host's SELinux label.
    private static IReadOnlyDictionary<string, byte[]> ReadAttributes(string host)
    {
        Dictionary<string, byte[]>? attributes = null;
        foreach (var name in Syscalls.ListExtendedAttributes(host))
        {
            if (OverlayAttributes.IsOverlays(name) || name == SelinuxLabel)
            {
                continue;
            }

            if (Syscalls.GetExtendedAttribute(host, name) is { } value)
            {
                attributes ??= new(StringComparer.Ordinal);
                attributes[name] = value;
            }
        }

        return attributes ?? (IReadOnlyDictionary<string, byte[]>)new Dictionary<string, byte[]>();
    }
}

/// <summary>What the filters knew of a directory, handed to its children.</summary>
internal readonly record struct MatchState(MatchInfo Exclude, MatchInfo Include, bool Top)
{
    public static MatchState Start => new(MatchInfo.None, MatchInfo.None, true);
}

/// <summary>
/// Which entries a copy takes: the .dockerignore verdict (paths relative to the source root),
/// --exclude patterns and the --parents include pattern (paths relative to the copied source).
/// </summary>
internal sealed class CopyFilters(Func<string, bool>? isExcluded, PatternMatcher? excludes, PatternMatcher? includes)
{
    /// <summary>A context source: owners become 0:0 unless --chown says otherwise.</summary>
    public bool FromContext => isExcluded is not null;

    public (bool Included, MatchState State) Evaluate(string resolved, string relative, MatchState parent)
    {
        if (parent.Top)
        {
            // The source itself (checked against the .dockerignore when it was resolved):
            // --exclude and --parents patterns apply to what lies below it.
            return (true, new MatchState(MatchInfo.None, MatchInfo.None, false));
        }

        var included = isExcluded is null || !isExcluded(resolved);

        var exclude = MatchInfo.None;
        var include = MatchInfo.None;
        if (excludes is not null)
        {
            (var excluded, exclude) = excludes.MatchesUsingParentResults(relative, parent.Exclude);
            included &= !excluded;
        }

        if (includes is not null)
        {
            (var matched, include) = includes.MatchesUsingParentResults(relative, parent.Include);
            included &= matched;
        }

        return (included, new MatchState(exclude, include, false));
    }

    /// <summary>Whether something below a filtered-out directory may still be copied.</summary>
    public bool MayIncludeBelow(MatchState state) =>
        isExcluded is not null || includes is not null || (excludes?.Exclusions ?? false);
}
