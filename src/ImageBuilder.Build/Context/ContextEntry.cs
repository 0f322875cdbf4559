namespace ImageBuilder.Build.Context;

/// <summary>The kinds of object a build context holds.</summary>
internal enum ContextEntryKind
{
    Directory,
    RegularFile,
    Symlink,

    /// <summary>A device, fifo or socket: copied as what it is, no content.</summary>
    Special,
}

/// <summary>One object of the build context as the walk saw it (lstat, never following a symlink).</summary>
internal sealed class ContextEntry
{
    public required string Path { get; init; }

    public required ContextEntryKind Kind { get; init; }

    /// <summary>The full st_mode (type and permission bits).</summary>
    public required uint Mode { get; init; }

    /// <summary>The owner as this process sees it (in rootless ibuild's user namespace: as the namespace maps it).</summary>
    public required uint Uid { get; init; }

    public required uint Gid { get; init; }

    public required long Size { get; init; }

    public required long ModifiedNanoseconds { get; init; }

    public required long ChangedNanoseconds { get; init; }

    public required ulong Inode { get; init; }

    public required ulong Device { get; init; }

    public string? LinkTarget { get; init; }

    /// <summary>Children by name, ordinal order; directories only.</summary>
    public SortedDictionary<string, ContextEntry>? Children { get; init; }

    /// <summary>sha256 (hex) of a regular file's content, once known.</summary>
    public string? ContentHash { get; set; }
}
