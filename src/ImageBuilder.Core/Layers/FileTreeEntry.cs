namespace ImageBuilder.Core.Layers;

/// <summary>What kind of file system object a <see cref="FileTreeEntry"/> is.</summary>
public enum FileTreeEntryKind
{
    Directory,
    RegularFile,
    Symlink,

    /// <summary>A second name for a regular file met earlier in the same tree (<see cref="FileTreeEntry.LinkTarget"/> is that path).</summary>
    Hardlink,
    CharDevice,
    BlockDevice,
    Fifo,

    /// <summary>A deletion recorded by overlayfs (char device 0/0, or the xattr form); in a tar, <c>.wh.&lt;name&gt;</c>.</summary>
    Whiteout,
}

/// <summary>
/// One object of a file tree, as the packer reads it and the unpacker recreates it.
/// <see cref="Path"/> is relative to the tree's root, '/'-separated, without a leading
/// "/" or "./" and without a trailing "/" (e.g. <c>usr/bin/env</c>).
/// </summary>
public sealed record FileTreeEntry
{
    public required string Path { get; init; }

    public required FileTreeEntryKind Kind { get; init; }

    /// <summary>Permission bits including setuid, setgid and sticky (mask 07777).</summary>
    public int Mode { get; init; }

    public int Uid { get; init; }

    public int Gid { get; init; }

    /// <summary>Bytes of content; regular files only.</summary>
    public long Size { get; init; }

    public DateTimeOffset ModificationTime { get; init; }

    /// <summary>A symlink's target as stored, or for a hardlink the <see cref="Path"/> of the entry it names.</summary>
    public string? LinkTarget { get; init; }

    public int DeviceMajor { get; init; }

    public int DeviceMinor { get; init; }

    /// <summary>Extended attributes to carry (e.g. <c>security.capability</c>); never overlayfs' own <c>trusted.overlay.*</c>.</summary>
    public IReadOnlyDictionary<string, byte[]> ExtendedAttributes { get; init; } = EmptyAttributes;

    /// <summary>A directory overlayfs marked opaque: it hides what lower layers hold at this path (<c>.wh..wh..opq</c>).</summary>
    public bool Opaque { get; init; }

    private static readonly IReadOnlyDictionary<string, byte[]> EmptyAttributes = new Dictionary<string, byte[]>();
}
