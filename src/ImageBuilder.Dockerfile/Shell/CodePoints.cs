using System.Text;

namespace ImageBuilder.Dockerfile.Shell;

/// <summary>
/// Conversions between strings and arrays of Unicode scalar values. Pattern matching works
/// on code points, as BuildKit's does, so that <c>?</c> consumes a whole surrogate pair.
/// A lone surrogate is kept as a unit of its own and survives the round trip unchanged.
/// </summary>
internal static class CodePoints
{
    public static int[] From(string text)
    {
        var result = new int[text.Length];
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                result[count++] = char.ConvertToUtf32(c, text[i + 1]);
                i++;
            }
            else
            {
                result[count++] = c;
            }
        }

        return count == result.Length ? result : result[..count];
    }

    public static string ToText(ReadOnlySpan<int> codePoints)
    {
        var builder = new StringBuilder(codePoints.Length);
        Append(builder, codePoints);
        return builder.ToString();
    }

    public static void Append(StringBuilder builder, ReadOnlySpan<int> codePoints)
    {
        foreach (var codePoint in codePoints)
        {
            Append(builder, codePoint);
        }
    }

    public static void Append(StringBuilder builder, int codePoint)
    {
        if (codePoint <= char.MaxValue)
        {
            builder.Append((char)codePoint);
        }
        else
        {
            builder.Append(char.ConvertFromUtf32(codePoint));
        }
    }

    public static int[] Reversed(ReadOnlySpan<int> codePoints)
    {
        var result = codePoints.ToArray();
        Array.Reverse(result);
        return result;
    }

    /// <summary>Letter test on a code point; lone surrogates are not letters.</summary>
    public static bool IsLetter(int codePoint) => Rune.IsValid(codePoint) && Rune.IsLetter(new Rune(codePoint));

    /// <summary>Decimal digit test on a code point; lone surrogates are not digits.</summary>
    public static bool IsDigit(int codePoint) => Rune.IsValid(codePoint) && Rune.IsDigit(new Rune(codePoint));

    /// <summary>Reads the code point at <paramref name="index"/> and how many UTF-16 units it spans.</summary>
    public static int At(string text, int index, out int width)
    {
        var c = text[index];
        if (char.IsHighSurrogate(c) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]))
        {
            width = 2;
            return char.ConvertToUtf32(c, text[index + 1]);
        }

        width = 1;
        return c;
    }
}
