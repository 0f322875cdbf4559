namespace ImageBuilder.Build.Context;

/// <summary>
/// Go's <c>filepath.Match</c> for one path element: <c>*</c> (any run of characters),
/// <c>?</c> (one character), <c>[a-z]</c>, <c>[^a-z]</c> and <c>\</c> escapes. A malformed
/// pattern matches nothing (Go reports ErrBadPattern; BuildKit then finds no match).
/// </summary>
internal static class GlobPattern
{
    public static bool Match(string pattern, string name) => Match(pattern.AsSpan(), name.AsSpan());

    private static bool Match(ReadOnlySpan<char> pattern, ReadOnlySpan<char> name)
    {
        var p = 0;
        var n = 0;
        var starP = -1;
        var starN = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length)
            {
                var c = pattern[p];
                if (c == '*')
                {
                    starP = p++;
                    starN = n;
                    continue;
                }

                if (c == '?')
                {
                    p++;
                    n++;
                    continue;
                }

                if (c == '[')
                {
                    var (matched, next) = MatchClass(pattern, p, name[n]);
                    if (next < 0)
                    {
                        return false; // malformed
                    }

                    if (matched)
                    {
                        p = next;
                        n++;
                        continue;
                    }
                }
                else
                {
                    if (c == '\\')
                    {
                        if (p + 1 >= pattern.Length)
                        {
                            return false;
                        }

                        c = pattern[++p];
                    }

                    if (c == name[n])
                    {
                        p++;
                        n++;
                        continue;
                    }
                }
            }

            if (starP < 0)
            {
                return false;
            }

            // Let the last '*' take one more character and retry.
            p = starP + 1;
            n = ++starN;
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>Matches <paramref name="c"/> against the class starting at <paramref name="start"/> ('[');
    /// returns the index after ']' or -1 for a malformed class.</summary>
    private static (bool Matched, int Next) MatchClass(ReadOnlySpan<char> pattern, int start, char c)
    {
        var i = start + 1;
        var negated = i < pattern.Length && pattern[i] == '^';
        if (negated)
        {
            i++;
        }

        var matched = false;
        var first = true;
        while (true)
        {
            if (i >= pattern.Length)
            {
                return (false, -1);
            }

            if (pattern[i] == ']' && !first)
            {
                return (matched != negated, i + 1);
            }

            first = false;
            if (!ReadClassChar(pattern, ref i, out var low))
            {
                return (false, -1);
            }

            var high = low;
            if (i < pattern.Length && pattern[i] == '-')
            {
                i++;
                if (!ReadClassChar(pattern, ref i, out high))
                {
                    return (false, -1);
                }
            }

            if (low <= c && c <= high)
            {
                matched = true;
            }
        }
    }

    private static bool ReadClassChar(ReadOnlySpan<char> pattern, ref int i, out char value)
    {
        value = '\0';
        if (i >= pattern.Length || pattern[i] is '-' or ']')
        {
            return false;
        }

        if (pattern[i] == '\\')
        {
            i++;
            if (i >= pattern.Length)
            {
                return false;
            }
        }

        value = pattern[i++];
        return true;
    }
}
