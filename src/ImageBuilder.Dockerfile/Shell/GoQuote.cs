using System.Globalization;
using System.Text;

namespace ImageBuilder.Dockerfile.Shell;

/// <summary>
/// Quotes text the way Go's <c>%q</c> verb does, so that error messages read exactly like
/// BuildKit's: printable characters stay, the rest become backslash escapes.
/// </summary>
internal static class GoQuote
{
    public static string Quote(string text)
    {
        var builder = new StringBuilder(text.Length + 2);
        builder.Append('"');
        var i = 0;
        while (i < text.Length)
        {
            var codePoint = CodePoints.At(text, i, out var width);
            i += width;
            AppendQuoted(builder, codePoint);
        }

        builder.Append('"');
        return builder.ToString();
    }

    private static void AppendQuoted(StringBuilder builder, int codePoint)
    {
        switch (codePoint)
        {
            case '"': builder.Append("\\\""); return;
            case '\\': builder.Append("\\\\"); return;
            case '\a': builder.Append("\\a"); return;
            case '\b': builder.Append("\\b"); return;
            case '\f': builder.Append("\\f"); return;
            case '\n': builder.Append("\\n"); return;
            case '\r': builder.Append("\\r"); return;
            case '\t': builder.Append("\\t"); return;
            case '\v': builder.Append("\\v"); return;
        }

        if (IsPrintable(codePoint))
        {
            CodePoints.Append(builder, codePoint);
        }
        else if (codePoint < ' ' || codePoint == 0x7f)
        {
            builder.Append("\\x").Append(codePoint.ToString("x2", CultureInfo.InvariantCulture));
        }
        else if (codePoint <= char.MaxValue)
        {
            builder.Append("\\u").Append(codePoint.ToString("x4", CultureInfo.InvariantCulture));
        }
        else
        {
            builder.Append("\\U").Append(codePoint.ToString("x8", CultureInfo.InvariantCulture));
        }
    }

    // Go counts letters, marks, numbers, punctuation, symbols and the ASCII space as printable.
    private static bool IsPrintable(int codePoint)
    {
        if (codePoint == ' ')
        {
            return true;
        }

        if (!Rune.IsValid(codePoint))
        {
            return false;
        }

        return Rune.GetUnicodeCategory(new Rune(codePoint)) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => true,
            UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => true,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => true,
            UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
                or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
                or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation => true,
            UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol
                or UnicodeCategory.OtherSymbol => true,
            _ => false,
        };
    }
}
