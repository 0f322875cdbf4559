using System.Text;
using ImageBuilder.Build.Context;
using ImageBuilder.Core.Layers;
using ImageBuilder.Dockerfile.Ignore;
using ImageBuilder.Linux.Native;

namespace ImageBuilder.Build.Copying;

/// <summary>
/// COPY and ADD into a root directory with BuildKit's rules. Everything runs synchronously on the
/// calling thread (which may own a private mount namespace where the roots are mounted): no
/// tasks, no thread pool. Every source and destination path is resolved inside its own root.
/// </summary>
/// <remarks>
/// The destination is a directory when written with a trailing '/', when there are several
/// sources, or when a source has wildcards; otherwise a file source becomes the destination path
/// itself unless that is an existing directory (then it goes inside). A directory source copies
/// its contents. Missing destination directories are created with mode 0755, owned by the
/// --chown owner (root without one).
/// </remarks>
public static class FileCopier
{
    /// <summary>Copies <paramref name="sources"/> from <paramref name="sourceRoot"/> to <paramref name="dest"/> in <paramref name="destRoot"/>.</summary>
    /// <param name="sourceRoot">The build context directory, or the root of another stage or image.</param>
    /// <param name="isExcluded">The context's .dockerignore verdict (relative slash paths); null for stage and image sources.
    /// A non-null verdict also marks the source as the context: owners become 0:0 unless --chown says otherwise.</param>
    /// <param name="sources">As written after expansion, relative to <paramref name="sourceRoot"/> (a leading '/' allowed), wildcards allowed.</param>
    /// <param name="destRoot">The target's merged root.</param>
    /// <param name="dest">As written; relative to <paramref name="workingDirectory"/> unless absolute.</param>
    /// <param name="workingDirectory">The stage's WORKDIR.</param>
    /// <param name="options">--chown, --chmod, ADD's unpacking, --exclude, --parents.</param>
    /// <param name="reuse">Records what the copy writes and, when it starts from a previous run's tree, leaves what is unchanged (see <see cref="CopyReuse"/>).</param>
    /// <exception cref="CopyException">A source without wildcards is missing, or the destination conflicts.</exception>
    /// <exception cref="CopyReuseMismatchException">A copy starting from a previous run met what it cannot follow.</exception>
    public static void Copy(string sourceRoot, Func<string, bool>? isExcluded, IReadOnlyList<string> sources,
                            string destRoot, string dest, string workingDirectory, CopyOptions options, CopyReuse? reuse = null)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(options);
        var mode = ModeSpec.Parse(options.Chmod);
        var excludes = options.Excludes.Count == 0 ? null : new PatternMatcher(options.Excludes);
        var destinationIsDirectory = dest.EndsWith('/') || dest is "." or "" || sources.Count > 1
            || sources.Any(s => SourcePath.HasWildcards(options.Parents ? ParentsSource(s).Pattern : s));
        var destination = SourcePath.Clean(dest.StartsWith('/') ? dest : SourcePath.Join(workingDirectory, dest));

        using var sourceTree = SourceTree.Open(sourceRoot);
        using var destinationTree = DestinationTree.Open(destRoot);
        var walk = new CopyWalk(sourceTree, destinationTree, new CopyFilters(isExcluded, excludes, null), options, mode, reuse);
        PrepareDestination(destinationTree, destination, destinationIsDirectory, options);
        foreach (var written in sources)
        {
            if (options.Parents)
            {
                CopyWithParents(sourceTree, destinationTree, isExcluded, excludes, written, destination, options, mode, reuse);
                continue;
            }

            var path = SourcePath.Clean(written);
            var matches = sourceTree.Match(path).Where(m => m.Resolved.Length == 0 || isExcluded is null || !isExcluded(m.Resolved)).ToList();
            if (matches.Count == 0 && !SourcePath.HasWildcards(path))
            {
                throw new CopyException($"\"{SourcePath.Display(path)}\": not found");
            }

            foreach (var match in matches)
            {
                CopyOne(sourceTree, destinationTree, walk, match, destination, options, reuse);
            }
        }

        walk.Finish();
    }

    /// <summary>Heredoc sources (<c>COPY &lt;&lt;EOF /dst</c>): each a 0644 file owned by root with the given content.</summary>
    public static void CopyContents(IReadOnlyList<(string Name, string Data)> files, string destRoot, string dest, string workingDirectory, CopyOptions options)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(options);
        var mode = ModeSpec.Parse(options.Chmod);
        var destinationIsDirectory = dest.EndsWith('/') || dest is "." or "" || files.Count > 1;
        var destination = SourcePath.Clean(dest.StartsWith('/') ? dest : SourcePath.Join(workingDirectory, dest));
        using var destinationTree = DestinationTree.Open(destRoot);
        PrepareDestination(destinationTree, destination, destinationIsDirectory, options);
        var now = DateTimeOffset.UtcNow;
        foreach (var (name, data) in files)
        {
            var canonical = destinationTree.Canonical(destination);
            var target = destinationTree.IsDirectory(canonical) ? SourcePath.Join(canonical, SourcePath.Base(SourcePath.Clean(name))) : canonical;
            if (destinationTree.NodeType(target) == FileNodeType.Directory)
            {
                throw new CopyException($"cannot replace to directory {SourcePath.Display(target)} with file");
            }

            var bytes = Encoding.UTF8.GetBytes(data);
            using var content = new MemoryStream(bytes, writable: false);
            destinationTree.Write(new FileTreeEntry
            {
                Path = target,
                Kind = FileTreeEntryKind.RegularFile,
                Mode = mode?.Apply(0x1a4, isDirectory: false) ?? 0x1a4,
                Uid = options.Uid ?? 0,
                Gid = options.Gid ?? 0,
                Size = bytes.Length,
                ModificationTime = now,
            }, content);
        }
    }

    // fsutil's Copy: make the destination (as a directory) or its parent.
    private static void PrepareDestination(DestinationTree tree, string destination, bool isDirectory, CopyOptions options)
    {
        var directory = isDirectory ? destination : SourcePath.Dir(destination);
        tree.MakeDirectories(tree.Canonical(directory), options.Uid, options.Gid);
    }

    // fsutil's prepareTargetDir: a file into an existing directory goes inside it; a directory's
    // contents go into the destination, which is made when missing.
    private static void CopyOne(SourceTree source, DestinationTree destination, CopyWalk walk, SourceMatch match, string dest, CopyOptions options, CopyReuse? reuse)
    {
        var canonical = destination.Canonical(dest);
        var sourceIsDirectory = match.Status.FileType == FileStatus.TypeDirectory;
        var destinationIsDirectory = destination.IsDirectory(canonical);
        if (!sourceIsDirectory && options.UnpackArchives && match.Status.FileType == FileStatus.TypeRegular
            && ArchiveExtraction.TryExtract(source.HostPath(match.Resolved), destination, canonical, options))
        {
            reuse?.RecordUntracked();
            return;
        }

        var target = !sourceIsDirectory && destinationIsDirectory
            ? SourcePath.Join(canonical, SourcePath.Base(match.Written.Length == 0 ? match.Resolved : match.Written))
            : canonical;
        if (sourceIsDirectory && destination.NodeType(canonical) == FileNodeType.Missing)
        {
            destination.MakeDirectories(canonical, options.Uid, options.Gid);
        }

        walk.Copy(match.Resolved, match.Status, target);
    }

    // --parents: the source (up to an optional "/./" pivot) is copied as a directory, keeping only
    // what the rest of the path matches, so the matched entries keep their parents.
    private static void CopyWithParents(SourceTree source, DestinationTree destination, Func<string, bool>? isExcluded,
        PatternMatcher? excludes, string written, string dest, CopyOptions options, ModeSpec? mode, CopyReuse? reuse)
    {
        var (pivot, pattern) = ParentsSource(written);
        var root = source.Resolve(pivot) ?? throw new CopyException($"\"{SourcePath.Display(pivot)}\": not found");
        var walk = new CopyWalk(source, destination, new CopyFilters(isExcluded, excludes, new PatternMatcher([pattern])), options, mode, reuse);
        destination.MakeDirectories(destination.Canonical(dest), options.Uid, options.Gid);
        walk.Copy(root.Resolved, root.Status, destination.Canonical(dest));
        walk.Finish();
    }

    private static (string Pivot, string Pattern) ParentsSource(string written)
    {
        var pivot = written.IndexOf("/./", StringComparison.Ordinal);
        return pivot < 0
            ? ("", SourcePath.Clean(written))
            : (SourcePath.Clean(written[..pivot]), SourcePath.Clean(written[(pivot + 3)..]));
    }
}
