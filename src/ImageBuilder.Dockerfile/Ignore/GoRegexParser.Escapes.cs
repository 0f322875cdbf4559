namespace ImageBuilder.Dockerfile.Ignore;

/// <summary>Escape sequences, read as Go's regexp/syntax reads them.</summary>
internal sealed partial class GoRegexParser
{
    /// <summary>A single-rune escape: punctuation, octal, hex or a C escape.</summary>
    private int ParseEscape()
    {
        pos++; // '\'
        if (pos >= text.Length)
        {
            throw Reject(); // trailing backslash
        }

        var c = text[pos++];
        if (c < 0x80 && !char.IsAsciiLetterOrDigit((char)c))
        {
            return c;
        }

        switch (c)
        {
            case >= '1' and <= '7' when Peek() is >= '0' and <= '7':
            case '0':
                // Up to three octal digits; a lone non-zero digit would be a backreference.
                var value = c - '0';
                for (var n = 1; n < 3 && Peek() is >= '0' and <= '7'; n++)
                {
                    value = (value * 8) + text[pos++] - '0';
                }

                return value;
            case 'x':
                return ParseHexEscape();
            case 'a':
                return 7;
            case 'f':
                return '\f';
            case 'n':
                return '\n';
            case 'r':
                return '\r';
            case 't':
                return '\t';
            case 'v':
                return '\v';
            default:
                throw Reject();
        }
    }

    private int ParseHexEscape()
    {
        if (Peek() != '{')
        {
            var high = HexValue(Peek());
            var low = HexValue(Peek(1));
            if (high < 0 || low < 0)
            {
                throw Reject();
            }

            pos += 2;
            return (high * 16) + low;
        }

        pos++;
        var value = 0;
        var digits = 0;
        for (; Peek() != '}'; digits++)
        {
            var digit = HexValue(Peek());
            if (digit < 0 || (value = (value * 16) + digit) > RuneClass.MaxRune)
            {
                throw Reject();
            }

            pos++;
        }

        pos++; // '}'
        return digits > 0 ? value : throw Reject();
    }

    private static int HexValue(int c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
