using System.IO.Abstractions;

namespace ImageBuilder.Dockerfile.Sources;

/// <summary>
/// Files ibuild finds by itself in a build context (<c>CONTEXT/Dockerfile</c>, <c>.dockerignore</c>,
/// <c>&lt;Dockerfile&gt;.dockerignore</c>) may be symbolic links only to files inside the context:
/// a hostile repository must not make ibuild read — and print in a diagnostic — a file of the host.
/// A link whose target stays inside is followed, as BuildKit does. Files the user names (<c>-f</c>)
/// are not checked.
/// </summary>
/// <remarks>
/// The check resolves the path as the kernel would (every component, relative and absolute link
/// targets, <c>..</c> after a link taken from the link's target) through <see cref="IFileSystem"/>,
/// then reads the resolved path. A repository is static content: the check guards against what it
/// holds, not against another process swapping links between the check and the read.
/// </remarks>
internal static class ContainedPath
{
    /// <summary>Linux's limit on links followed while resolving one path (ELOOP beyond).</summary>
    private const int MaxLinks = 40;

    /// <summary>
    /// <paramref name="path"/> with every link resolved, when that lies inside one of
    /// <paramref name="roots"/> (themselves resolved first: a context given as a link is fine).
    /// </summary>
    /// <exception cref="DockerfileException"><see cref="ErrorCode.FileAccess"/>: the path leads outside every root.</exception>
    public static string Resolve(IFileSystem fs, string path, string what, params string[] roots)
    {
        var resolved = RealPath(fs, path);
        foreach (var root in roots)
        {
            var realRoot = RealPath(fs, root);
            if (resolved == realRoot || realRoot == "/" || resolved.StartsWith(realRoot + "/", StringComparison.Ordinal))
            {
                return resolved;
            }
        }

        // Neither the target's name nor its content is printed: both belong to the host, not the repository.
        throw DockerfileSource.Error(ErrorCode.FileAccess,
            $"the {what} is a symbolic link to a file outside the build context; ibuild does not follow it", what, path,
            what == DockerfileSource.DefaultName
                ? "make the link point inside the context, or name the file you mean with -f FILE"
                : "make the link point inside the context, or replace it with the file itself");
    }

    /// <summary>The absolute path with every symbolic link resolved (POSIX realpath; missing components are kept as written).</summary>
    internal static string RealPath(IFileSystem fs, string path)
    {
        var pending = new Stack<string>();
        Push(pending, fs.Path.GetFullPath(path));
        var resolved = "/";
        var links = 0;
        while (pending.TryPop(out var part))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                resolved = fs.Path.GetDirectoryName(resolved) ?? "/";
                continue;
            }

            var candidate = resolved == "/" ? "/" + part : resolved + "/" + part;
            var target = LinkTarget(fs, candidate);
            if (target is null)
            {
                resolved = candidate;
                continue;
            }

            if (++links > MaxLinks)
            {
                throw new DockerfileException(ErrorCode.FileAccess, $"{path}: too many levels of symbolic links", null, "remove the loop of links");
            }

            Push(pending, target);
            if (target.StartsWith('/'))
            {
                resolved = "/";
            }
        }

        return resolved;
    }

    private static void Push(Stack<string> pending, string path)
    {
        var parts = path.Split('/');
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
    }

    private static string? LinkTarget(IFileSystem fs, string path)
    {
        try
        {
            return fs.FileInfo.New(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
