using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ImageBuilder.Build.Copying;
using ImageBuilder.Core.Hashing;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Tracing;
using ImageBuilder.Dockerfile.Paths;
using ImageBuilder.Linux.Native;
using ImageBuilder.Linux.Rootless;

namespace ImageBuilder.Build.Context;

// The content checksum of what a COPY/ADD reads from the context.
public sealed partial class BuildContext
{
    private const int MaxSymlinkHops = 40;

    /// <summary>The most entries <see cref="Checksum"/> lists for a cache miss's reason (a bigger copy is named as a whole).</summary>
    public const int MaxListing = 5000;

    /// <summary>
    /// The checksum of everything a COPY/ADD with <paramref name="sources"/> (as written, relative to
    /// the context; wildcards allowed) would read: for each entry, in a fixed order, its path, type,
    /// permission bits, link target and the sha256 of its data — never its times, and its owner
    /// only <paramref name="withOwners"/>: what a COPY writes from the context belongs to 0:0 or to
    /// --chown's (BuildKit, too, makes the context's files 0:0), and one user's files are theirs
    /// outside rootless ibuild's user namespace but root's inside it, where the same build must
    /// hit the same cache. A RUN that binds the context directory itself sees the owners: there
    /// they count (and a rootless build outside its namespace misses, then hits inside). A source
    /// path is followed through symlinks (inside the context), as COPY follows it.
    /// </summary>
    /// <exception cref="BuildContextException">A source without wildcards matches nothing: <c>"/missing.txt": not found</c>.</exception>
    /// <param name="listing">When given, filled with each entry's path and what of it counted
    /// (kind, mode, link target, content hash): what a cache miss compares to name the files that
    /// changed. At most <see cref="MaxListing"/> entries; a bigger copy leaves it empty.</param>
    public Digest Checksum(IReadOnlyList<string> sources, bool withOwners = false, Dictionary<string, string>? listing = null)
    {
        ArgumentNullException.ThrowIfNull(sources);
        using var phase = BuildTrace.Phase("context hashing");
        var selected = new List<(string Name, ContextEntry Entry)>();
        foreach (var source in sources)
        {
            var path = SourcePath.Clean(source);
            var matches = Match(path);
            if (matches.Count == 0 && !SourcePath.HasWildcards(path))
            {
                throw new BuildContextException($"\"{SourcePath.Display(path)}\": not found");
            }

            selected.AddRange(matches);
        }

        var (files, bytes) = HashMissing(selected.SelectMany(s => Enumerate(s.Entry)));
        phase.Arg("filesHashed", files).Arg("bytesHashed", bytes);
        using var hash = new Sha256Hasher();
        var record = new ArrayBufferWriter<byte>();
        var entries = 0L;
        foreach (var (name, entry) in selected)
        {
            foreach (var child in Enumerate(entry))
            {
                var relative = child.Path.Length == entry.Path.Length ? "" : child.Path[(entry.Path.Length == 0 ? 0 : entry.Path.Length + 1)..];
                record.ResetWrittenCount();
                Field(record, SourcePath.Join(name, relative));
                Field(record, child.Kind.ToString());
                Field(record, Convert.ToString(child.Mode & 0xFFF, 8));
                if (withOwners)
                {
                    Field(record, child.Uid.ToString(CultureInfo.InvariantCulture) + ":" + child.Gid.ToString(CultureInfo.InvariantCulture));
                }

                Field(record, child.LinkTarget ?? "");
                Field(record, child.ContentHash ?? "");
                hash.Append(record.WrittenSpan);
                entries++;
                if (listing is not null && entries <= MaxListing)
                {
                    listing[SourcePath.Join(name, relative)] = $"{child.Kind} {Convert.ToString(child.Mode & 0xFFF, 8)} {child.LinkTarget} {child.ContentHash}";
                }
            }
        }

        phase.Arg("entries", entries);
        if (entries > MaxListing)
        {
            listing?.Clear();
        }

        return Digest.Parse("sha256:" + Convert.ToHexStringLower(hash.CurrentHash()));
    }

    // Length-prefixed, so no name can imitate a field boundary.
    private static void Field(ArrayBufferWriter<byte> record, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Encoding.ASCII.GetBytes(bytes.Length.ToString(CultureInfo.InvariantCulture) + ":", record);
        record.Write(bytes);
    }

    /// <summary>The entries a cleaned source path names, with the path each is recorded under.</summary>
    private List<(string Name, ContextEntry Entry)> Match(string path)
    {
        var (prefix, patterns) = SourcePath.SplitWildcards(path);
        if (patterns.Length == 0)
        {
            return Resolve(path) is { } single ? [(path, single)] : [];
        }

        var candidates = new List<(string Name, ContextEntry Entry)>();
        if (Resolve(prefix) is { } start)
        {
            candidates.Add((prefix, start));
        }

        foreach (var pattern in patterns)
        {
            var next = new List<(string Name, ContextEntry Entry)>();
            foreach (var (name, directory) in candidates)
            {
                var resolved = directory.Kind == ContextEntryKind.Symlink ? Resolve(directory.Path) : directory;
                if (resolved?.Children is not { } children)
                {
                    continue;
                }

                foreach (var (childName, child) in children)
                {
                    if (FilePathMatch.Match(pattern, childName))
                    {
                        next.Add((SourcePath.Join(name, childName), child));
                    }
                }
            }

            candidates = next;
        }

        // Each match is a source of its own, followed like a path as written.
        var matches = new List<(string Name, ContextEntry Entry)>();
        foreach (var (name, entry) in candidates)
        {
            if ((entry.Kind == ContextEntryKind.Symlink ? Resolve(entry.Path) : entry) is { } resolved)
            {
                matches.Add((name, resolved));
            }
        }

        return matches;
    }

    /// <summary>Follows <paramref name="path"/> through the context, symlinks included (kept inside
    /// the context: ".." and absolute targets stop at its root); null when nothing is there.</summary>
    /// <exception cref="BuildContextException">The path runs into a symlink loop (refused).</exception>
    private ContextEntry? Resolve(string path)
    {
        var hops = 0;
        var entry = Resolve(path, ref hops);
        return hops > MaxSymlinkHops
            ? throw new BuildContextException(
                $"{SourcePath.Quote(SourcePath.Display(path))}: a symlink loop (more than {MaxSymlinkHops} symlinks on the way)", reason: CopyFailure.Refused)
            : entry;
    }

    private ContextEntry? Resolve(string path, ref int hops)
    {
        var current = root;
        var parts = path.Length == 0 ? [] : path.Split('/');
        for (var i = 0; i < parts.Length; i++)
        {
            if (current.Children is not { } children || !children.TryGetValue(parts[i], out var child))
            {
                return null;
            }

            if (child.Kind == ContextEntryKind.Symlink)
            {
                if (++hops > MaxSymlinkHops)
                {
                    return null;
                }

                var target = child.LinkTarget!;
                var targetPath = SourcePath.Clean(target.StartsWith('/') ? target : SourcePath.Join(current.Path, target));
                var rest = string.Join('/', parts[(i + 1)..]);
                return Resolve(SourcePath.Clean(SourcePath.Join(targetPath, rest)), ref hops);
            }

            current = child;
        }

        return current;
    }

    /// <summary>Hashes, in parallel, every regular file among <paramref name="entries"/> whose hash is not known yet; returns how many files and bytes that was.</summary>
    private (long Files, long Bytes) HashMissing(IEnumerable<ContextEntry> entries)
    {
        var missing = entries.Where(e => e.Kind == ContextEntryKind.RegularFile && e.ContentHash is null).Distinct().ToList();
        try
        {
            Parallel.ForEach(missing, new ParallelOptions { MaxDegreeOfParallelism = Math.Min(Environment.ProcessorCount, 16) }, HashOne);
        }
        catch (AggregateException error)
        {
            // What one file's hashing threw, as it threw it (the caller handles BuildContextException).
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error.InnerExceptions[0]).Throw();
        }

        return (missing.Count, missing.Sum(e => e.Size));
    }

    /// <summary>A small file's bytes, all of them (it may have grown since the walk; <see cref="Sha256.Hash"/> copes with any length).</summary>
    private static byte[] ReadSmall(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private void HashOne(ContextEntry entry)
    {
        string hash;
        try
        {
            using var handle = Syscalls.OpenReadNoFollow(Root + "/" + entry.Path);
            using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
            hash = Convert.ToHexStringLower(entry.Size <= Sha256.SmallInput ? Sha256.Hash(ReadSmall(stream)) : SHA256.HashData(stream));
        }
        catch (Exception error) when (error is LinuxException or IOException or UnauthorizedAccessException)
        {
            HostMode.Current.RequireUserNamespaceIfDenied(error, "reading the build context");
            throw new BuildContextException($"\"{SourcePath.Display(entry.Path)}\": cannot read: {error.Message}", error);
        }

        lock (hashLock)
        {
            entry.ContentHash = hash;
        }

        Interlocked.Increment(ref hashedSinceLoad);
    }
}
