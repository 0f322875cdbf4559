using ImageBuilder.Build.Context;
using ImageBuilder.Dockerfile.Paths;
using ImageBuilder.Linux.Native;
using Microsoft.Win32.SafeHandles;

namespace ImageBuilder.Build.Copying;

/// <summary>One source as a COPY names it: the path as written (its last element names the copy)
/// and where it leads inside the source root once symlinks are followed.</summary>
internal sealed record SourceMatch(string Written, string Resolved, FileStatus Status);

/// <summary>
/// The root a COPY reads from (the context, or another stage's or image's root). Source paths are
/// resolved with openat2(RESOLVE_IN_ROOT): symlinks in them, even absolute ones, and ".." stay
/// inside the root. What lies below a resolved source is then read with lstat and O_NOFOLLOW,
/// so a symlink inside a copied directory is copied as a symlink and never read through.
/// </summary>
internal sealed class SourceTree : IDisposable
{
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;
    private const int ENAMETOOLONG = 36;
    private const int ELOOP = 40;

    private readonly SafeFileHandle root;

    private SourceTree(SafeFileHandle root, string realRoot)
    {
        this.root = root;
        RealRoot = realRoot;
    }

    /// <summary>The root as the kernel names it (symlinks in the caller's path resolved).</summary>
    public string RealRoot { get; }

    public static SourceTree Open(string root)
    {
        var handle = Syscalls.OpenResolutionRoot(root);
        return new SourceTree(handle, Syscalls.PathOf(handle));
    }

    /// <summary>The host path of a resolved relative path.</summary>
    public string HostPath(string relative) => relative.Length == 0 ? RealRoot : RealRoot + "/" + relative;

    /// <summary>
    /// The sources a cleaned path names: itself, or with wildcards every match (Go filepath.Match
    /// per element, names in byte order), each followed through symlinks inside the root. Missing
    /// paths are left out.
    /// </summary>
    public List<SourceMatch> Match(string path)
    {
        var (prefix, patterns) = SourcePath.SplitWildcards(path);
        var candidates = new List<string> { prefix };
        foreach (var pattern in patterns)
        {
            var next = new List<string>();
            foreach (var written in candidates)
            {
                if (Resolve(written) is not { } directory || directory.Status.FileType != FileStatus.TypeDirectory)
                {
                    continue;
                }

                var names = Syscalls.ListDirectory(HostPath(directory.Resolved)).Select(n => n.Name).ToList();
                names.Sort(StringComparer.Ordinal);
                next.AddRange(names.Where(name => FilePathMatch.Match(pattern, name)).Select(name => SourcePath.Join(written, name)));
            }

            candidates = next;
        }

        return [.. candidates.Select(Resolve).OfType<SourceMatch>()];
    }

    /// <summary>Follows <paramref name="written"/> inside the root; null when nothing is there.</summary>
    public SourceMatch? Resolve(string written)
    {
        try
        {
            using var handle = Syscalls.OpenInRoot(root, written, followLast: true);
            var resolved = Relative(Syscalls.PathOf(handle));
            return new SourceMatch(written, resolved, Syscalls.LStat(HostPath(resolved)));
        }
        catch (LinuxException error) when (error.Errno is ENOENT or ENOTDIR)
        {
            return null;
        }
        catch (LinuxException error) when (error.Errno is ELOOP or ENAMETOOLONG)
        {
            throw CopyException.Refused(
                $"{SourcePath.Quote(SourcePath.Display(written))}: {(error.Errno == ELOOP ? "a symlink loop" : "the path is longer than Linux allows")}", error);
        }
    }

    public void Dispose() => root.Dispose();

    private string Relative(string real) =>
        real == RealRoot ? ""
        : real.StartsWith(RealRoot + "/", StringComparison.Ordinal) ? real[(RealRoot.Length + 1)..]
        : RealRoot == "/" && real.StartsWith('/') ? real[1..]
        : throw new IOException($"{real} resolved outside the source root {RealRoot}");
}
