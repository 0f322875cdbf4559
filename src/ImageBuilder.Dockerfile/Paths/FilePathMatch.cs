using ImageBuilder.Dockerfile.Ignore;

namespace ImageBuilder.Dockerfile.Paths;

/// <summary>
/// Go's <c>filepath.Match</c> on Linux, ported rule for rule: <c>*</c> (any run of characters
/// but '/'), <c>?</c> (one character but '/'), <c>[a-z]</c>, <c>[^a-z]</c> and <c>\</c> escapes,
/// on Unicode scalar values as Go works on runes. The one implementation: COPY/ADD wildcards and
/// the build context's checksums match names with it, and <c>.dockerignore</c> checks its
/// patterns with it (docker accepts a pattern when <c>filepath.Match(pattern, ".")</c> reports no
/// <c>ErrBadPattern</c>; Go parses every chunk whatever the name, so validity does not depend
/// on the name). BuildKit's shell patterns (<c>${v#p}</c>) are another language, see
/// <c>ShellPattern</c>.
/// </summary>
public static class FilePathMatch
{
    private const int Separator = '/';

    /// <summary>Whether <paramref name="name"/> matches <paramref name="pattern"/>; a malformed pattern matches nothing (Go
    /// reports <c>ErrBadPattern</c>, and BuildKit then finds no match).</summary>
    public static bool Match(string pattern, string name) => Run(GoText.ToRunes(pattern), GoText.ToRunes(name)) == true;

    /// <summary>Whether <paramref name="pattern"/> is well-formed (Go's <c>filepath.Match</c> reports no <c>ErrBadPattern</c>).</summary>
    public static bool IsValid(ReadOnlySpan<int> pattern) => Run(pattern, [(int)'.']) is not null;

    /// <summary>The match, or null for a malformed pattern (Go's <c>Match</c>).</summary>
    private static bool? Run(ReadOnlySpan<int> pattern, ReadOnlySpan<int> name)
    {
        while (pattern.Length > 0)
        {
            pattern = ScanChunk(pattern, out var star, out var chunk);
            if (star && chunk.IsEmpty)
            {
                return !name.Contains(Separator); // a trailing * matches the rest unless it holds a '/'
            }

            var (after, matched) = MatchChunk(chunk, name);
            if (matched is null)
            {
                return null;
            }

            // The last chunk must use up the name; otherwise the star may still find a match.
            if (matched.Value && (after == 0 || pattern.Length > 0))
            {
                name = name[^after..];
                continue;
            }

            if (star && SkipToMatch(chunk, pattern.IsEmpty, ref name) is { } found)
            {
                if (found)
                {
                    continue;
                }

                return null;
            }

            return RestIsValid(pattern) ? false : null;
        }

        return name.Length == 0;
    }

    /// <summary>After a star: the chunk tried one character further each time (never past a '/'). True when found
    /// (<paramref name="name"/> advanced), false for a malformed chunk, null when nothing matched.</summary>
    private static bool? SkipToMatch(ReadOnlySpan<int> chunk, bool isLast, ref ReadOnlySpan<int> name)
    {
        for (var i = 0; i < name.Length && name[i] != Separator; i++)
        {
            var (after, matched) = MatchChunk(chunk, name[(i + 1)..]);
            if (matched is null)
            {
                return false;
            }

            if (matched.Value && !(isLast && after > 0))
            {
                name = name[^after..];
                return true;
            }
        }

        return null;
    }

    /// <summary>Before reporting no match, Go checks that the rest of the pattern is well-formed.</summary>
    private static bool RestIsValid(ReadOnlySpan<int> pattern)
    {
        while (pattern.Length > 0)
        {
            pattern = ScanChunk(pattern, out _, out var chunk);
            if (MatchChunk(chunk, []).Matched is null)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Leading stars, then the chunk up to the next '*' outside brackets (Go's bracket tracking is naive:
    /// '[' opens, any ']' closes; an escaped character is skipped). Returns the rest of the pattern.</summary>
    private static ReadOnlySpan<int> ScanChunk(ReadOnlySpan<int> pattern, out bool star, out ReadOnlySpan<int> chunk)
    {
        star = false;
        while (pattern.Length > 0 && pattern[0] == '*')
        {
            pattern = pattern[1..];
            star = true;
        }

        var inRange = false;
        var i = 0;
        for (; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                i++;
            }
            else if (c == '[')
            {
                inRange = true;
            }
            else if (c == ']')
            {
                inRange = false;
            }
            else if (c == '*' && !inRange)
            {
                break;
            }
        }

        chunk = pattern[..i];
        return pattern[i..];
    }

    /// <summary>Matches a chunk (no '*') against the start of <paramref name="s"/>: how many characters of it are left, and whether it
    /// matched (null for a malformed chunk; the whole chunk is parsed even after a mismatch).</summary>
    private static (int Left, bool? Matched) MatchChunk(ReadOnlySpan<int> chunk, ReadOnlySpan<int> s)
    {
        var failed = false;
        while (chunk.Length > 0)
        {
            failed |= s.IsEmpty;
            switch (chunk[0])
            {
                case '[':
                    var r = failed ? 0 : s[0];
                    s = failed ? s : s[1..];
                    chunk = chunk[1..];
                    if (ClassMatches(ref chunk, r) is not { } inClass)
                    {
                        return (0, null);
                    }

                    failed |= !inClass;
                    break;
                case '?':
                    if (!failed)
                    {
                        failed = s[0] == Separator;
                        s = s[1..];
                    }

                    chunk = chunk[1..];
                    break;
                default:
                    if (chunk[0] == '\\')
                    {
                        chunk = chunk[1..];
                        if (chunk.IsEmpty)
                        {
                            return (0, null);
                        }
                    }

                    if (!failed)
                    {
                        failed = chunk[0] != s[0];
                        s = s[1..];
                    }

                    chunk = chunk[1..];
                    break;
            }
        }

        return failed ? (0, false) : (s.Length, true);
    }

    /// <summary>Reads a bracket class after its '[' and tells whether <paramref name="r"/> is in it; null when malformed.</summary>
    private static bool? ClassMatches(ref ReadOnlySpan<int> chunk, int r)
    {
        var negated = chunk.Length > 0 && chunk[0] == '^';
        if (negated)
        {
            chunk = chunk[1..];
        }

        var matched = false;
        for (var ranges = 0; ; ranges++)
        {
            if (chunk.Length > 0 && chunk[0] == ']' && ranges > 0)
            {
                chunk = chunk[1..];
                return matched != negated;
            }

            if (Escaped(ref chunk) is not { } low)
            {
                return null;
            }

            var high = low;
            if (chunk[0] == '-')
            {
                chunk = chunk[1..];
                if (Escaped(ref chunk) is not { } top)
                {
                    return null;
                }

                high = top;
            }

            matched |= low <= r && r <= high;
        }
    }

    /// <summary>One class character, possibly escaped (Go's <c>getEsc</c>): never a bare '-' or ']', and something must
    /// follow it; null otherwise.</summary>
    private static int? Escaped(ref ReadOnlySpan<int> chunk)
    {
        if (chunk.IsEmpty || chunk[0] is '-' or ']')
        {
            return null;
        }

        if (chunk[0] == '\\')
        {
            chunk = chunk[1..];
            if (chunk.IsEmpty)
            {
                return null;
            }
        }

        var r = chunk[0];
        chunk = chunk[1..];
        return chunk.IsEmpty ? null : r;
    }
}
