namespace ImageBuilder.Build.Copying;

/// <summary>How a COPY or ADD writes what it copies.</summary>
/// <param name="Uid">--chown's user as a number; null keeps the owner (0 from the context, the source's from a stage or image).</param>
/// <param name="Gid">--chown's group as a number; null keeps it the same way.</param>
/// <param name="Chmod">--chmod as written: octal (755, 0644) or symbolic (u+x, a+rX,go-w, g=u).</param>
/// <param name="UnpackArchives">ADD: a source file that is a tar (plain, gzip, bzip2, zstd; told by content) is extracted into the destination directory.</param>
/// <param name="Excludes">--exclude patterns, matched against paths relative to each source.</param>
/// <param name="Parents">--parents: the source's path (below an optional "/./" pivot) is kept under the destination.</param>
public sealed record CopyOptions(
    int? Uid,
    int? Gid,
    string? Chmod,
    bool UnpackArchives,
    IReadOnlyList<string> Excludes,
    bool Parents)
{
    /// <summary>A plain COPY: owners and modes kept, nothing excluded.</summary>
    public static CopyOptions Default { get; } = new(null, null, null, false, [], false);
}
