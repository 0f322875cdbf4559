using System.IO.Abstractions;
using ImageBuilder.Build.Copying;
using ImageBuilder.Core.Tracing;
using ImageBuilder.Dockerfile.Ignore;
using ImageBuilder.Linux.Native;
using ImageBuilder.Linux.Rootless;

namespace ImageBuilder.Build.Context;

/// <summary>
/// The build context, read once: every object under the context directory (lstat, never
/// following a symlink) that the .dockerignore leaves in, with what COPY and ADD need to know
/// about it. File content is hashed only when a checksum needs it, in parallel, and remembered
/// in the stat cache so a warm rebuild re-hashes only files whose stat changed.
/// </summary>
/// <remarks>
/// An ignored directory is left out with everything below it, unless a later "!" pattern
/// re-includes something inside: then the directory stays (as a parent of what is kept), as
/// BuildKit's context transfer keeps it.
/// </remarks>
public sealed partial class BuildContext
{
    private const int ENAMETOOLONG = 36;

    private readonly DockerIgnore ignore;
    private readonly ContextEntry root;
    private readonly string? statCachePath;
    private readonly Lock hashLock = new();

    /// <summary>Files hashed since the load (their hashes are not in the stat cache yet).</summary>
    private int hashedSinceLoad;

    private BuildContext(string root, DockerIgnore ignore, ContextEntry rootEntry, string? statCachePath)
    {
        Root = root;
        this.ignore = ignore;
        this.root = rootEntry;
        this.statCachePath = statCachePath;
    }

    /// <summary>The context directory, as a full path without a trailing '/'.</summary>
    public string Root { get; }

    /// <summary>
    /// Reads the context under <paramref name="directory"/>, applying its ignore file
    /// (<c>&lt;Dockerfile&gt;.dockerignore</c> beside <paramref name="dockerfilePath"/> wins over
    /// <c>.dockerignore</c> at the context root).
    /// </summary>
    /// <exception cref="BuildContextException">The directory is missing or not a directory.</exception>
    /// <exception cref="ImageBuilder.Dockerfile.DockerfileException">The ignore file is malformed or unreadable.</exception>
    public static BuildContext Load(string directory, string? dockerfilePath, string? statCachePath) =>
        Load(directory, dockerfilePath, statCachePath, handOff: true);

    /// <summary>
    /// Reads a named context's directory (<c>--build-context NAME=DIR</c>) as BuildKit does: only its
    /// own <c>.dockerignore</c> applies. It is not handed to a rootless build's user namespace (only the
    /// main context is): the build inside reads it again, with the stat cache's hashes.
    /// </summary>
    /// <exception cref="BuildContextException">The directory is missing or not a directory.</exception>
    /// <exception cref="ImageBuilder.Dockerfile.DockerfileException">The ignore file is malformed or unreadable.</exception>
    public static BuildContext LoadNamed(string directory, string? statCachePath) =>
        Load(directory, null, statCachePath, handOff: false);

    private static BuildContext Load(string directory, string? dockerfilePath, string? statCachePath, bool handOff)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        using var phase = BuildTrace.Phase("context load");
        var root = Path.GetFullPath(directory).TrimEnd('/');
        root = root.Length == 0 ? "/" : root;
        FileStatus status;
        try
        {
            status = Syscalls.LStat(root);
        }
        catch (LinuxException error)
        {
            throw new BuildContextException($"unable to read the build context {root}: {error.Message}", error);
        }

        if (status.FileType != FileStatus.TypeDirectory)
        {
            throw new BuildContextException($"the build context {root} is not a directory");
        }

        var ignore = DockerIgnoreFile.Load(new FileSystem(), root, dockerfilePath);
        if (handOff && Received(root, dockerfilePath, ignore, statCachePath) is { } handed)
        {
            phase.Arg("handedOver", true);
            return handed;
        }

        var cache = StatCache.Load(statCachePath, root);
        var outside = HostMode.Current.Pending ? HostMode.Current : null;
        var rootEntry = Describe("", status, null, new SortedDictionary<string, ContextEntry>(StringComparer.Ordinal), outside);
        var walk = new Walk(root, ignore.Matcher, cache, outside);
        try
        {
            walk.ReadChildren(rootEntry, MatchInfo.None);
        }
        catch (IgnorePatternException error)
        {
            throw ignore.Locate(error);
        }
        catch (LinuxException error)
        {
            HostMode.Current.RequireUserNamespaceIfDenied(error, "reading the build context");
            throw new BuildContextException($"unable to read the build context {root}: {error.Message}", error);
        }

        phase.Arg("entries", walk.Entries).Arg("hashesFromStatCache", walk.CachedHashes);
        var context = new BuildContext(root, ignore, rootEntry, statCachePath);
        if (outside is not null && handOff)
        {
            context.OfferToNamespace(dockerfilePath);
        }

        return context;
    }

    /// <summary>Whether a .dockerignore leaves anything out at all.</summary>
    public bool HasIgnorePatterns => ignore.Matcher.Patterns.Count > 0;

    /// <summary>Whether the .dockerignore leaves out <paramref name="relativePath"/> (a slash path relative to <see cref="Root"/>).</summary>
    public bool IsExcluded(string relativePath)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        var path = SourcePath.Clean(relativePath);
        try
        {
            return path.Length > 0 && ignore.Matcher.MatchesOrParentMatches(path);
        }
        catch (IgnorePatternException error)
        {
            throw ignore.Locate(error);
        }
    }

    /// <summary>
    /// The sha256 (hex) of the regular file at <paramref name="path"/> (relative, no symlink on the
    /// way) as a checksum hashed it, when it still has the stat it had then; null otherwise.
    /// </summary>
    public string? KnownContentHash(string path, long size, long modifiedNanoseconds, ulong inode)
    {
        ArgumentNullException.ThrowIfNull(path);
        var entry = root;
        foreach (var part in path.Length == 0 ? [] : path.Split('/'))
        {
            if (entry.Children is null || !entry.Children.TryGetValue(part, out entry))
            {
                return null;
            }
        }

        return entry is { Kind: ContextEntryKind.RegularFile } && entry.Size == size && entry.ModifiedNanoseconds == modifiedNanoseconds && entry.Inode == inode
            ? entry.ContentHash
            : null;
    }

    /// <summary>
    /// Writes the stat cache (the hashes known so far) atomically; nothing without a cache path, or
    /// when no file was hashed since the load: every hash then came from the cache, which is right
    /// as it is (entries of files gone since stay until the next write, and are never matched: a
    /// load keeps only the files it finds). bigctx's warm build wrote 20,000 unchanged entries, 40 ms.
    /// </summary>
    public void SaveStatCache()
    {
        if (statCachePath is null || Interlocked.Exchange(ref hashedSinceLoad, 0) == 0)
        {
            return;
        }

        using var phase = BuildTrace.Phase("stat cache save");
        var files = new Dictionary<string, StatCacheRecord>(StringComparer.Ordinal);
        foreach (var entry in Enumerate(root))
        {
            if (entry is { Kind: ContextEntryKind.RegularFile, ContentHash: { } hash })
            {
                files[entry.Path] = new StatCacheRecord(entry.Size, entry.ModifiedNanoseconds, entry.ChangedNanoseconds, entry.Inode, entry.Device, hash);
            }
        }

        StatCache.Save(statCachePath, Root, files);
    }

    private static IEnumerable<ContextEntry> Enumerate(ContextEntry top)
    {
        var stack = new Stack<ContextEntry>();
        stack.Push(top);
        while (stack.Count > 0)
        {
            var entry = stack.Pop();
            yield return entry;
            if (entry.Children is { } children)
            {
                foreach (var child in children.Values.Reverse())
                {
                    stack.Push(child);
                }
            }
        }
    }

    /// <summary>An entry for what lstat said; owners as the user namespace sees them when <paramref name="outside"/> (rootless ibuild before it enters).</summary>
    private static ContextEntry Describe(string path, FileStatus status, string? linkTarget, SortedDictionary<string, ContextEntry>? children, HostMode? outside) => new()
    {
        Path = path,
        Kind = status.FileType switch
        {
            FileStatus.TypeDirectory => ContextEntryKind.Directory,
            FileStatus.TypeRegular => ContextEntryKind.RegularFile,
            FileStatus.TypeSymlink => ContextEntryKind.Symlink,
            _ => ContextEntryKind.Special,
        },
        Mode = status.Mode,
        Uid = AsNamespaceSees(status.Uid, outside?.Users, outside is null ? 0 : Overflow.Value.User),
        Gid = AsNamespaceSees(status.Gid, outside?.Groups, outside is null ? 0 : Overflow.Value.Group),
        Size = status.Size,
        ModifiedNanoseconds = (status.ModifiedSeconds * 1_000_000_000) + status.ModifiedNanoseconds,
        ChangedNanoseconds = (status.ChangedSeconds * 1_000_000_000) + status.ChangedNanoseconds,
        Inode = status.Inode,
        Device = status.Device,
        LinkTarget = linkTarget,
        Children = children,
    };

    /// <summary>The one walk of the context directory.</summary>
    private sealed class Walk(string root, PatternMatcher matcher, Dictionary<string, StatCacheRecord> cache, HostMode? outside)
    {
        /// <summary>Entries kept so far.</summary>
        public long Entries { get; private set; }

        /// <summary>Regular files whose hash the stat cache gave (unchanged since it was written).</summary>
        public long CachedHashes { get; private set; }

        /// <summary>Reads a directory's children into it; returns whether anything was kept.</summary>
        public bool ReadChildren(ContextEntry directory, MatchInfo directoryInfo)
        {
            var hostDirectory = directory.Path.Length == 0 ? root : root + "/" + directory.Path;
            foreach (var name in Syscalls.ListDirectory(hostDirectory))
            {
                var path = SourcePath.Join(directory.Path, name.Name);
                var (ignored, info) = matcher.MatchesUsingParentResults(path, directoryInfo);

                var status = LStat(hostDirectory + "/" + name.Name, path);
                var isDirectory = status.FileType == FileStatus.TypeDirectory;
                if (ignored && !(isDirectory && matcher.Exclusions))
                {
                    continue;
                }

                var link = status.FileType == FileStatus.TypeSymlink ? Syscalls.ReadLink(hostDirectory + "/" + name.Name) : null;
                var entry = Describe(path, status, link, isDirectory ? new SortedDictionary<string, ContextEntry>(StringComparer.Ordinal) : null, outside);
                if (isDirectory && !ReadChildren(entry, info) && ignored)
                {
                    continue; // an ignored directory stays only as the parent of something re-included
                }

                if (entry.Kind == ContextEntryKind.RegularFile && cache.TryGetValue(path, out var cached) && cached.Matches(entry))
                {
                    entry.ContentHash = cached.Sha256;
                    CachedHashes++;
                }

                directory.Children!.Add(name.Name, entry);
                Entries++;
            }

            return directory.Children!.Count > 0;
        }

        // A tree deeper than PATH_MAX cannot be read by path (nor written into an image): refused, located at the COPY.
        private static FileStatus LStat(string hostPath, string path)
        {
            try
            {
                return Syscalls.LStat(hostPath);
            }
            catch (LinuxException error) when (error.Errno == ENAMETOOLONG)
            {
                throw new BuildContextException(
                    $"the build context holds {SourcePath.Quote(path)}, whose path is longer than Linux allows ({System.Text.Encoding.UTF8.GetByteCount(hostPath)} bytes on this machine, {SourcePath.MaxPathBytes} at most); leave it out with .dockerignore",
                    error, CopyFailure.Refused);
            }
        }
    }
}
