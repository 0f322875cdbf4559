using System.Text;

namespace ImageBuilder.Dockerfile.Shell;

internal enum ShellPatternTokenKind : byte
{
    /// <summary>One specific code point.</summary>
    Literal,

    /// <summary><c>?</c>: any one code point except a newline.</summary>
    AnyOne,

    /// <summary><c>*</c>: any run of code points without a newline, possibly empty.</summary>
    AnyRun,
}

internal readonly record struct ShellPatternToken(ShellPatternTokenKind Kind, int CodePoint = 0);

/// <summary>
/// A shell pattern as BuildKit understands it in <c>${v#p}</c>, <c>${v%p}</c> and
/// <c>${v/p/r}</c>: <c>*</c>, <c>?</c> and backslash escapes. Brackets are ordinary
/// characters. BuildKit translates patterns to Go regular expressions whose <c>.</c> does
/// not match a newline, so neither wildcard here matches one either. Not Go's
/// <c>filepath.Match</c> (brackets, '/' and escapes differ): paths are matched by
/// <see cref="Paths.FilePathMatch"/>.
/// </summary>
internal sealed class ShellPattern
{
    private ShellPattern(ShellPatternToken[] tokens)
    {
        Tokens = tokens;
    }

    /// <summary>The tokens, with runs of <c>*</c> folded into one (they match the same strings).</summary>
    public ShellPatternToken[] Tokens { get; }

    public ShellPattern Reversed()
    {
        var tokens = (ShellPatternToken[])Tokens.Clone();
        Array.Reverse(tokens);
        return new ShellPattern(tokens);
    }

    /// <summary>
    /// Reads a pattern. <c>\*</c>, <c>\?</c> and <c>\\</c> are literal characters; a
    /// backslash before <c>}</c> or <c>/</c> is dropped (it was only there to keep the
    /// character from ending the substitution); any other escape is an error.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<int> pattern, out ShellPattern? result, out string? error)
    {
        var tokens = new List<ShellPatternToken>(pattern.Length);
        var i = 0;

        // BuildKit reads patterns with Go's text/scanner, which skips a byte order mark at the start.
        if (pattern.Length > 0 && pattern[0] == 0xFEFF)
        {
            i = 1;
        }

        while (i < pattern.Length)
        {
            var c = pattern[i++];
            switch (c)
            {
                case '*':
                    if (tokens.Count == 0 || tokens[^1].Kind != ShellPatternTokenKind.AnyRun)
                    {
                        tokens.Add(new ShellPatternToken(ShellPatternTokenKind.AnyRun));
                    }

                    continue;
                case '?':
                    tokens.Add(new ShellPatternToken(ShellPatternTokenKind.AnyOne));
                    continue;
                case '\\':
                    if (i < pattern.Length && pattern[i] is '}' or '/')
                    {
                        continue;
                    }

                    if (i >= pattern.Length)
                    {
                        result = null;
                        error = "invalid escape '\\' at the end of the pattern";
                        return false;
                    }

                    c = pattern[i++];
                    if (c is not ('*' or '?' or '\\'))
                    {
                        var shown = new StringBuilder();
                        CodePoints.Append(shown, c);
                        result = null;
                        error = $"invalid escape '\\{shown}'";
                        return false;
                    }

                    break;
            }

            tokens.Add(new ShellPatternToken(ShellPatternTokenKind.Literal, c));
        }

        result = new ShellPattern([.. tokens]);
        error = null;
        return true;
    }

    /// <summary>
    /// Reverses a pattern's text for suffix matching while keeping each backslash in front
    /// of the character it escapes: <c>a\*c</c> becomes <c>c\*a</c>. Pairs are taken from
    /// the left, so a trailing lone backslash lands at the front, exactly as BuildKit does it.
    /// </summary>
    public static int[] ReverseText(ReadOnlySpan<int> pattern)
    {
        var result = new int[pattern.Length];
        var last = pattern.Length - 1;
        var i = 0;
        while (i <= last)
        {
            var target = last - i;
            if (pattern[i] == '\\' && i != last)
            {
                result[target - 1] = '\\';
                result[target] = pattern[i + 1];
                i += 2;
            }
            else
            {
                result[target] = pattern[i];
                i++;
            }
        }

        return result;
    }
}
