using System.Text;

namespace ImageBuilder.Dockerfile.Paths;

/// <summary>
/// Go's <c>path.Clean</c> and <c>path.Dir</c> (<c>filepath</c>'s on Linux): the one path
/// cleaner of ibuild. <c>.dockerignore</c> patterns and context paths are normalised with it,
/// and so are COPY/ADD sources and destinations (rooted at "/" so that ".." stops there).
/// </summary>
public static class GoPath
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
}
