using System.IO.Abstractions;
using ImageBuilder.Dockerfile.Paths;
using ImageBuilder.Dockerfile.Sources;

namespace ImageBuilder.Dockerfile.Ignore;

/// <summary>One pattern of an ignore file and the 1-based line it came from.</summary>
internal readonly record struct IgnoreFileEntry(string Pattern, int Line);

/// <summary>Reads .dockerignore files the way docker and BuildKit do.</summary>
public static class DockerIgnoreFile
{
    /// <summary>The ignore file looked for at the root of the build context.</summary>
    public const string DefaultName = ".dockerignore";

    /// <summary>Appended to a Dockerfile's path to name its own ignore file.</summary>
    public const string DockerfileSuffix = ".dockerignore";

    /// <summary>
    /// The patterns of an ignore file, as moby's <c>ignorefile.ReadAll</c> returns
    /// them: a UTF-8 BOM at the start is dropped; lines whose first character is
    /// '#' are comments; other lines are trimmed and blank ones skipped; the text
    /// after an optional "!" is trimmed, cleaned, and loses a leading '/'; the "!"
    /// is kept (a lone "!" too: <see cref="PatternMatcher"/> rejects it).
    /// </summary>
    public static IReadOnlyList<string> Read(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return [.. ReadEntries(reader).Select(e => e.Pattern)];
    }

    /// <summary>
    /// Finds and compiles the ignore file of a build, as BuildKit does:
    /// "&lt;Dockerfile path&gt;.dockerignore" beside the Dockerfile wins (for
    /// "build/app.Dockerfile", "build/app.Dockerfile.dockerignore"); otherwise
    /// ".dockerignore" at the root of the context; otherwise nothing is ignored.
    /// The two files are never merged.
    /// </summary>
    /// <param name="fs">The file system to read from.</param>
    /// <param name="contextDir">The build context directory.</param>
    /// <param name="dockerfilePath">
    /// The Dockerfile, as given to the build: a relative path is taken from the
    /// current directory of <paramref name="fs"/> (like <c>docker build -f</c>).
    /// Null or empty when the Dockerfile has no path (read from stdin).
    /// </param>
    /// <exception cref="DockerfileException">
    /// <see cref="ErrorCode.InvalidIgnorePattern"/> at the line of a bad pattern, or
    /// <see cref="ErrorCode.FileAccess"/> when the file exists but cannot be read.
    /// </exception>
    public static DockerIgnore Load(IFileSystem fs, string contextDir, string? dockerfilePath)
    {
        ArgumentNullException.ThrowIfNull(fs);
        ArgumentNullException.ThrowIfNull(contextDir);
        var path = Find(fs, contextDir, dockerfilePath);
        if (path is null)
        {
            return DockerIgnore.None;
        }

        var content = DockerfileSource.Read(fs, path, "ignore file");
        var entries = ReadEntries(new StringReader(content));
        var patterns = entries.Select(e => e.Pattern).ToArray();
        var lines = entries.Select(e => e.Line).ToArray();
        try
        {
            return new DockerIgnore(path, patterns, lines, new PatternMatcher(patterns));
        }
        catch (IgnorePatternException e)
        {
            throw DockerIgnore.Describe(path, lines, e);
        }
    }

    /// <summary>
    /// The ignore file that applies. Either may be a symbolic link, but only to a file inside
    /// the context (or, for <c>&lt;Dockerfile&gt;.dockerignore</c>, beside the Dockerfile the user named):
    /// its patterns end up in diagnostics, so a link must not make ibuild print a file of the host.
    /// </summary>
    private static string? Find(IFileSystem fs, string contextDir, string? dockerfilePath)
    {
        if (!string.IsNullOrEmpty(dockerfilePath))
        {
            var dockerfile = fs.Path.GetFullPath(dockerfilePath);
            var own = dockerfile + DockerfileSuffix;
            if (fs.File.Exists(own))
            {
                ContainedPath.Resolve(fs, own, "ignore file", contextDir, fs.Path.GetDirectoryName(dockerfile) ?? "/");
                return own;
            }
        }

        var shared = fs.Path.Combine(contextDir, DefaultName);
        if (!fs.File.Exists(shared))
        {
            return null;
        }

        ContainedPath.Resolve(fs, shared, "ignore file", contextDir);
        return shared;
    }

    /// <summary>
    /// <see cref="Read"/> with line numbers. Lines end at '\n' only, with one '\r'
    /// before it dropped, as Go's line scanner splits them.
    /// </summary>
    internal static List<IgnoreFileEntry> ReadEntries(TextReader reader)
    {
        var text = reader.ReadToEnd();
        var entries = new List<IgnoreFileEntry>();
        var lineNumber = 0;
        for (var start = 0; start < text.Length; lineNumber++)
        {
            var end = text.IndexOf('\n', start);
            var next = end < 0 ? text.Length : end + 1;
            var line = text[start..(end < 0 ? text.Length : end)];
            start = next;
            if (line.EndsWith('\r'))
            {
                line = line[..^1];
            }

            if (lineNumber == 0 && line.StartsWith('\uFEFF'))
            {
                line = line[1..];
            }

            if (ToPattern(line) is { } pattern)
            {
                entries.Add(new IgnoreFileEntry(pattern, lineNumber + 1));
            }
        }

        return entries;
    }

    private static string? ToPattern(string line)
    {
        // A comment only when '#' is the very first character of the line.
        if (line.StartsWith('#'))
        {
            return null;
        }

        line = GoText.TrimSpace(line);
        if (line.Length == 0)
        {
            return null;
        }

        var invert = line[0] == '!';
        if (invert)
        {
            line = GoText.TrimSpace(line[1..]);
        }

        if (line.Length > 0)
        {
            line = GoPath.Clean(line);
            if (line.Length > 1 && line[0] == '/')
            {
                line = line[1..];
            }
        }

        return invert ? "!" + line : line;
    }
}
