using ImageBuilder.Dockerfile.Paths;

namespace ImageBuilder.Dockerfile.Ignore;

/// <summary>
/// The element walks of moby/patternmatcher over slash-separated paths already cleaned
/// with <see cref="GoPath.Clean"/> (patterns and context paths alike).
/// </summary>
internal static class SlashPath
{
    /// <summary>
    /// The successive ancestors spelled by <paramref name="dir"/>: "a/b/c" gives
    /// "a", "a/b", "a/b/c"; "/" gives "" and "/" (as splitting on '/' and
    /// re-joining the first n parts does).
    /// </summary>
    public static IEnumerable<string> Prefixes(string dir)
    {
        for (var slash = dir.IndexOf('/'); slash >= 0; slash = dir.IndexOf('/', slash + 1))
        {
            yield return dir[..slash];
        }

        yield return dir;
    }

    /// <summary>The number of elements <c>strings.Split(path, "/")</c> yields.</summary>
    public static int ElementCount(string path) => path.Count(c => c == '/') + 1;

    /// <summary>The first <paramref name="count"/> elements re-joined with '/'.</summary>
    public static string FirstElements(string path, int count)
    {
        var seen = 0;
        for (var i = 0; i < path.Length; i++)
        {
            if (path[i] == '/' && ++seen == count)
            {
                return path[..i];
            }
        }

        return path;
    }
}
