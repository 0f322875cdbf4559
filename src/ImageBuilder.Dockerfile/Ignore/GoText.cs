namespace ImageBuilder.Dockerfile.Ignore;

/// <summary>
/// Text primitives that behave like their Go counterparts, so that reading
/// and matching agree with docker on the odd inputs too.
/// </summary>
internal static class GoText
{
    /// <summary>Replacement rune used for unpaired UTF-16 surrogates.</summary>
    public const int ReplacementRune = 0xFFFD;

    /// <summary>The white space set of Go's <c>unicode.IsSpace</c> (all of it lies in the BMP).</summary>
    public static bool IsSpace(char c) => c switch
    {
        '\t' or '\n' or '\v' or '\f' or '\r' or ' ' or '\u0085' or '\u00A0' => true,
        '\u1680' or '\u2028' or '\u2029' or '\u202F' or '\u205F' or '\u3000' => true,
        >= '\u2000' and <= '\u200A' => true,
        _ => false,
    };

    /// <summary>Removes leading and trailing white space, as <c>strings.TrimSpace</c> does.</summary>
    public static string TrimSpace(string s)
    {
        var start = 0;
        var end = s.Length;
        while (start < end && IsSpace(s[start]))
        {
            start++;
        }

        while (end > start && IsSpace(s[end - 1]))
        {
            end--;
        }

        return start == 0 && end == s.Length ? s : s[start..end];
    }

    /// <summary>
    /// Decodes a string into Unicode scalar values. Go works on runes, not UTF-16
    /// units, so '?' must consume an astral character whole; a lone surrogate
    /// becomes U+FFFD, the way Go sees a byte that is not valid UTF-8.
    /// </summary>
    public static int[] ToRunes(string s)
    {
        var runes = new int[s.Length];
        var count = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                runes[count++] = char.ConvertToUtf32(c, s[i + 1]);
                i++;
            }
            else
            {
                runes[count++] = char.IsSurrogate(c) ? ReplacementRune : c;
            }
        }

        return count == runes.Length ? runes : runes[..count];
    }
}
