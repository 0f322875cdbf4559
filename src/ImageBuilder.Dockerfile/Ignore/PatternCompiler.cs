using System.Text;

namespace ImageBuilder.Dockerfile.Ignore;

/// <summary>How one cleaned pattern is compared with a path.</summary>
internal enum MatchKind
{
    /// <summary>The path equals the pattern text.</summary>
    Exact,
    /// <summary>Pattern "x**": the path starts with "x".</summary>
    Prefix,
    /// <summary>Pattern "**x": the path ends with "x" (and "**/x" also matches "x").</summary>
    Suffix,
    /// <summary>Anything else: the pattern is translated to a regular expression.</summary>
    Regex,
}

/// <summary>
/// Turns a cleaned pattern into its match kind and, for <see cref="MatchKind.Regex"/>,
/// into the Go (RE2) regular expression text that moby/patternmatcher builds for it:
/// '*' becomes <c>[^/]*</c>, '?' becomes <c>[^/]</c>, "**" becomes <c>(.*/)?</c> (or
/// <c>.*</c> at the end), '\' keeps escaping the next character, brackets pass
/// through, and only <c>.+()|{}$</c> are escaped. The text is then read with Go's
/// regexp grammar by <see cref="GoRegex"/>, quirks included: brackets and escapes
/// keep their regexp meaning, not their glob meaning, exactly as in docker.
/// </summary>
internal static class PatternCompiler
{
    private const int ByteOrderMark = 0xFEFF;

    public static (MatchKind Kind, string Regex) Translate(ReadOnlySpan<int> pattern)
    {
        var regex = new StringBuilder("^");
        var kind = MatchKind.Exact;

        // Go reads the pattern with text/scanner, which drops a leading BOM.
        var pos = pattern.Length > 0 && pattern[0] == ByteOrderMark ? 1 : 0;
        for (var step = 0; pos < pattern.Length; step++)
        {
            var ch = pattern[pos++];
            switch (ch)
            {
                case '*' when pos < pattern.Length && pattern[pos] == '*':
                    pos++;
                    if (pos < pattern.Length && pattern[pos] == '/')
                    {
                        pos++;
                    }

                    if (pos == pattern.Length)
                    {
                        // Trailing "**" takes everything below; a plain prefix if nothing came before.
                        if (kind == MatchKind.Exact)
                        {
                            kind = MatchKind.Prefix;
                        }
                        else
                        {
                            regex.Append(".*");
                            kind = MatchKind.Regex;
                        }
                    }
                    else
                    {
                        regex.Append("(.*/)?");
                        kind = MatchKind.Regex;
                    }

                    // A leading "**" makes a suffix match unless a later token needs the regex.
                    if (step == 0)
                    {
                        kind = MatchKind.Suffix;
                    }

                    break;
                case '*':
                    regex.Append("[^/]*");
                    kind = MatchKind.Regex;
                    break;
                case '?':
                    regex.Append("[^/]");
                    kind = MatchKind.Regex;
                    break;
                case '.' or '+' or '(' or ')' or '|' or '{' or '}' or '$':
                    regex.Append('\\').Append((char)ch);
                    break;
                case '\\' when pos < pattern.Length:
                    regex.Append('\\');
                    AppendRune(regex, pattern[pos++]);
                    kind = MatchKind.Regex;
                    break;
                case '\\':
                    // A trailing backslash; glob validation has rejected it already.
                    regex.Append('\\');
                    break;
                case '[' or ']':
                    regex.Append((char)ch);
                    kind = MatchKind.Regex;
                    break;
                default:
                    AppendRune(regex, ch);
                    break;
            }
        }

        if (kind != MatchKind.Regex)
        {
            return (kind, string.Empty);
        }

        regex.Append('$');
        return (kind, regex.ToString());
    }

    private static void AppendRune(StringBuilder text, int rune)
    {
        if (rune < 0x10000)
        {
            text.Append((char)rune);
        }
        else
        {
            text.Append(char.ConvertFromUtf32(rune));
        }
    }
}
