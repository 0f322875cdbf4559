namespace ImageBuilder.Build.Context;

/// <summary>
/// Slash paths relative to a root, as COPY/ADD sources and destinations are written: cleaned like
/// Go's <c>path.Clean</c> applied to "/" + path, so ".." stops at the root, and returned without
/// the leading '/' ("" is the root itself).
/// </summary>
internal static class SourcePath
{
    public static string Clean(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }

                continue;
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }

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
