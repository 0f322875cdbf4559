using ImageBuilder.Dockerfile.Paths;

namespace ImageBuilder.Build.Context;

/// <summary>
/// Slash paths relative to a root, as COPY/ADD sources and destinations are written: cleaned by
/// <see cref="GoPath.Clean"/> applied to "/" + path, so ".." stops at the root, and returned
/// without the leading '/' ("" is the root itself).
/// </summary>
internal static class SourcePath
{
    public static string Clean(string path) => GoPath.Clean("/" + path)[1..];

    public static string Join(string directory, string name) =>
        directory.Length == 0 ? name : name.Length == 0 ? directory : directory + "/" + name;

    /// <summary>The parent of a cleaned relative path ("" for a top-level name and for the root).</summary>
    public static string Dir(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? "" : path[..slash];
    }

    public static string Base(string path) => path[(path.LastIndexOf('/') + 1)..];

    /// <summary>The path as the image sees it, for messages: "/" + path.</summary>
    public static string Display(string path) => "/" + path;

    /// <summary>The longest path Linux takes (PATH_MAX, 4096 bytes with the terminating NUL).</summary>
    public const int MaxPathBytes = 4095;

    /// <summary>The longest name of one path element Linux takes (NAME_MAX).</summary>
    public const int MaxNameBytes = 255;

    /// <summary>Why Linux cannot hold <paramref name="path"/> (an element over 255 bytes, the whole over 4095), or null when it can.</summary>
    public static string? LengthProblem(string path)
    {
        var bytes = System.Text.Encoding.UTF8.GetByteCount(path);
        if (path.Split('/').FirstOrDefault(p => System.Text.Encoding.UTF8.GetByteCount(p) > MaxNameBytes) is { } name)
        {
            var which = name == Base(path) ? "its name" : $"the directory name {Quote(name)} in it";
            return $"{which} is {System.Text.Encoding.UTF8.GetByteCount(name)} bytes, longer than Linux allows ({MaxNameBytes})";
        }

        return bytes > MaxPathBytes ? $"the path is {bytes} bytes, longer than Linux allows ({MaxPathBytes})" : null;
    }

    /// <summary>
    /// A name from a source ibuild does not trust, quoted for a one-line message: control characters
    /// escaped, and a long name cut in the middle so that the message stays readable.
    /// </summary>
    public static string Quote(string name)
    {
        const int Head = 48;
        const int Tail = 32;
        var text = new System.Text.StringBuilder(name.Length + 2).Append('"');
        foreach (var c in name.Length > Head + Tail + 1 ? name[..Head] + "…" + name[^Tail..] : name)
        {
            if (char.IsControl(c))
            {
                text.Append($"\\x{(int)c:x2}");
            }
            else
            {
                text.Append(c);
            }
        }

        return text.Append('"').ToString();
    }

    /// <summary>Whether a path element holds a Go filepath.Match meta character (* ? [ or a \ escape).</summary>
    public static bool HasWildcards(string path) => path.AsSpan().IndexOfAny("*?[\\") >= 0;

    /// <summary>
    /// Splits a cleaned path at its first element with a wildcard, as BuildKit's copy does: the
    /// plain prefix (resolved like any path) and the elements to match, in order.
    /// </summary>
    public static (string Prefix, string[] Patterns) SplitWildcards(string path)
    {
        var parts = path.Length == 0 ? [] : path.Split('/');
        var first = Array.FindIndex(parts, HasWildcards);
        return first < 0
            ? (path, [])
            : (string.Join('/', parts[..first]), parts[first..]);
    }
}
