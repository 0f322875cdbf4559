namespace ImageBuilder.Dockerfile.Ignore;

/// <summary>
/// The syntax rules of Go's <c>filepath.Match</c> (Linux flavour, where '\'
/// escapes). docker checks every pattern with them before use, so a pattern
/// is accepted exactly when <c>filepath.Match(pattern, ".")</c> reports no
/// <c>ErrBadPattern</c>. Go validates every chunk of the pattern whatever the
/// name, so the check does not depend on the name at all.
/// </summary>
internal static class GlobSyntax
{
    public static bool IsValid(ReadOnlySpan<int> pattern)
    {
        var pos = 0;
        while (pos < pattern.Length)
        {
            // A chunk is the text between runs of unbracketed '*'.
            while (pos < pattern.Length && pattern[pos] == '*')
            {
                pos++;
            }

            var end = ChunkEnd(pattern, pos);
            if (!IsValidChunk(pattern[pos..end]))
            {
                return false;
            }

            pos = end;
        }

        return true;
    }

    /// <summary>
    /// Where the chunk starting at <paramref name="start"/> stops: at the first
    /// '*' outside brackets. Like Go, bracket tracking is naive ('[' opens,
    /// any ']' closes) and an escaped character is skipped.
    /// </summary>
    private static int ChunkEnd(ReadOnlySpan<int> pattern, int start)
    {
        var inBrackets = false;
        for (var i = start; i < pattern.Length; i++)
        {
            switch (pattern[i])
            {
                case '\\':
                    if (i + 1 < pattern.Length)
                    {
                        i++;
                    }

                    break;
                case '[':
                    inBrackets = true;
                    break;
                case ']':
                    inBrackets = false;
                    break;
                case '*' when !inBrackets:
                    return i;
            }
        }

        return pattern.Length;
    }

    private static bool IsValidChunk(ReadOnlySpan<int> chunk)
    {
        var i = 0;
        while (i < chunk.Length)
        {
            switch (chunk[i])
            {
                case '[':
                    i++;
                    if (i < chunk.Length && chunk[i] == '^')
                    {
                        i++;
                    }

                    // A class needs at least one item; ']' closes it only after that.
                    for (var items = 0; ; items++)
                    {
                        if (items > 0 && i < chunk.Length && chunk[i] == ']')
                        {
                            i++;
                            break;
                        }

                        if (!SkipClassChar(chunk, ref i))
                        {
                            return false;
                        }

                        if (chunk[i] == '-')
                        {
                            i++;
                            if (!SkipClassChar(chunk, ref i))
                            {
                                return false;
                            }
                        }
                    }

                    break;
                case '\\':
                    // An escape must have something to escape.
                    i += 2;
                    if (i > chunk.Length)
                    {
                        return false;
                    }

                    break;
                default:
                    i++;
                    break;
            }
        }

        return true;
    }

    /// <summary>
    /// One bracket-expression character (possibly escaped). It may not be a bare
    /// '-' or ']', and something must follow it, or the class is unterminated.
    /// </summary>
    private static bool SkipClassChar(ReadOnlySpan<int> chunk, ref int i)
    {
        if (i >= chunk.Length || chunk[i] == '-' || chunk[i] == ']')
        {
            return false;
        }

        if (chunk[i] == '\\')
        {
            i++;
            if (i >= chunk.Length)
            {
                return false;
            }
        }

        i++;
        return i < chunk.Length;
    }
}
