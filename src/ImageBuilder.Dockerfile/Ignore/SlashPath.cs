using System.Text;

namespace ImageBuilder.Dockerfile.Ignore;

/// <summary>
/// Lexical operations on slash-separated paths with the results of Go's
/// <c>filepath.Clean</c> and <c>filepath.Dir</c> on Linux. Patterns and
/// context paths are both normalised this way.
/// </summary>
internal static class SlashPath
{
    /// <summary>
    /// Shortest equivalent path: repeated slashes collapse, "." elements go,
    /// "name/.." pairs cancel, ".." above the root of an absolute path is
    /// dropped, a trailing slash is removed; the empty path becomes ".".
    /// </summary>
    public static string Clean(string path)
    {
        if (path.Length == 0)
        {
            return ".";
        }

        var rooted = path[0] == '/';
        var output = new StringBuilder(path.Length);
        if (rooted)
        {
            output.Append('/');
        }

        // Length of the output that ".." may never remove (a leading "/" or "../../").
        var floor = output.Length;
        var pos = rooted ? 1 : 0;
        while (pos < path.Length)
        {
            var end = path.IndexOf('/', pos);
            if (end < 0)
            {
                end = path.Length;
            }

            var length = end - pos;
            if (length == 0 || (length == 1 && path[pos] == '.'))
            {
                // Empty element from "//" or a "." element: nothing to add.
            }
            else if (length == 2 && path[pos] == '.' && path[pos + 1] == '.')
            {
                if (output.Length > floor)
                {
                    var cut = output.Length - 1;
                    while (cut > floor && output[cut] != '/')
                    {
                        cut--;
                    }

                    output.Length = cut;
                }
                else if (!rooted)
                {
                    if (output.Length > 0)
                    {
                        output.Append('/');
                    }

                    output.Append("..");
                    floor = output.Length;
                }
            }
            else
            {
                if (output.Length > (rooted ? 1 : 0))
                {
                    output.Append('/');
                }

                output.Append(path, pos, length);
            }

            pos = end + 1;
        }

        return output.Length == 0 ? "." : output.ToString();
    }

    /// <summary>All but the last element, cleaned: "a/b" gives "a", "a" gives ".", "/" gives "/".</summary>
    public static string Dir(string path)
    {
        var slash = path.LastIndexOf('/');
        return Clean(path[..(slash + 1)]);
    }

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
