using System.Globalization;

namespace ImageBuilder.Dockerfile.Ignore;

/// <summary>
/// A set of runes as Go's regexp syntax spells it: ranges, Unicode general
/// categories (<c>\pL</c>, <c>\PL</c>), optionally negated as a whole.
/// </summary>
internal sealed class RuneClass
{
    public const int MaxRune = 0x10FFFF;

    private readonly (int Lo, int Hi)[] ranges;
    private readonly (int Mask, bool Negated)[] categories;
    private readonly bool negated;

    public RuneClass(IEnumerable<(int Lo, int Hi)> ranges, IEnumerable<(int Mask, bool Negated)> categories, bool negated)
    {
        this.ranges = [.. ranges];
        this.categories = [.. categories];
        this.negated = negated;
    }

    /// <summary>Go's '.' without the s flag: any rune but newline.</summary>
    public static RuneClass AnyButNewline { get; } = new([(0, '\n' - 1), ('\n' + 1, MaxRune)], [], negated: false);

    public static RuneClass Single(int rune) => new([(rune, rune)], [], negated: false);

    public bool Contains(int rune)
    {
        var found = false;
        foreach (var (lo, hi) in ranges)
        {
            if (rune >= lo && rune <= hi)
            {
                found = true;
                break;
            }
        }

        if (!found && categories.Length > 0)
        {
            var bit = 1 << (int)CharUnicodeInfo.GetUnicodeCategory(rune);
            foreach (var (mask, inverted) in categories)
            {
                if (((mask & bit) != 0) != inverted)
                {
                    found = true;
                    break;
                }
            }
        }

        return found != negated;
    }

    /// <summary>Everything in 0..MaxRune not covered by <paramref name="ranges"/> (which must be sorted and disjoint).</summary>
    public static IEnumerable<(int Lo, int Hi)> Complement(IReadOnlyList<(int Lo, int Hi)> ranges)
    {
        var next = 0;
        foreach (var (lo, hi) in ranges)
        {
            if (lo > next)
            {
                yield return (next, lo - 1);
            }

            next = hi + 1;
        }

        if (next <= MaxRune)
        {
            yield return (next, MaxRune);
        }
    }

    /// <summary>
    /// The category mask for a one-letter Unicode class name (C L M N P S Z), or
    /// null when Go knows no such class. Go 1.25 and later look names up without
    /// regard to case, so "l" is "L".
    /// </summary>
    public static int? CategoryMask(int letter) => (letter is >= 'a' and <= 'z' ? letter - ('a' - 'A') : letter) switch
    {
        'C' => Mask(UnicodeCategory.Control, UnicodeCategory.Format, UnicodeCategory.Surrogate, UnicodeCategory.PrivateUse),
        'L' => Mask(UnicodeCategory.UppercaseLetter, UnicodeCategory.LowercaseLetter, UnicodeCategory.TitlecaseLetter,
            UnicodeCategory.ModifierLetter, UnicodeCategory.OtherLetter),
        'M' => Mask(UnicodeCategory.NonSpacingMark, UnicodeCategory.SpacingCombiningMark, UnicodeCategory.EnclosingMark),
        'N' => Mask(UnicodeCategory.DecimalDigitNumber, UnicodeCategory.LetterNumber, UnicodeCategory.OtherNumber),
        'P' => Mask(UnicodeCategory.ConnectorPunctuation, UnicodeCategory.DashPunctuation, UnicodeCategory.OpenPunctuation,
            UnicodeCategory.ClosePunctuation, UnicodeCategory.InitialQuotePunctuation, UnicodeCategory.FinalQuotePunctuation,
            UnicodeCategory.OtherPunctuation),
        'S' => Mask(UnicodeCategory.MathSymbol, UnicodeCategory.CurrencySymbol, UnicodeCategory.ModifierSymbol, UnicodeCategory.OtherSymbol),
        'Z' => Mask(UnicodeCategory.SpaceSeparator, UnicodeCategory.LineSeparator, UnicodeCategory.ParagraphSeparator),
        _ => null,
    };

    private static int Mask(params UnicodeCategory[] members) => members.Aggregate(0, (mask, c) => mask | (1 << (int)c));

    /// <summary>Ranges of Go's Perl classes <c>\d \s \w</c>; the upper-case letters negate them.</summary>
    public static (int Lo, int Hi)[]? PerlGroup(int letter) => letter switch
    {
        'd' or 'D' => [('0', '9')],
        's' or 'S' => [('\t', '\n'), ('\f', '\r'), (' ', ' ')],
        'w' or 'W' => [('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')],
        _ => null,
    };

    /// <summary>Ranges of a POSIX class name such as "alpha" (without "[:" and ":]").</summary>
    public static (int Lo, int Hi)[]? PosixGroup(string name) => name switch
    {
        "alnum" => [('0', '9'), ('A', 'Z'), ('a', 'z')],
        "alpha" => [('A', 'Z'), ('a', 'z')],
        "ascii" => [(0, 0x7F)],
        "blank" => [('\t', '\t'), (' ', ' ')],
        "cntrl" => [(0, 0x1F), (0x7F, 0x7F)],
        "digit" => [('0', '9')],
        "graph" => [('!', '~')],
        "lower" => [('a', 'z')],
        "print" => [(' ', '~')],
        "punct" => [('!', '/'), (':', '@'), ('[', '`'), ('{', '~')],
        "space" => [('\t', '\r'), (' ', ' ')],
        "upper" => [('A', 'Z')],
        "word" => [('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')],
        "xdigit" => [('0', '9'), ('A', 'F'), ('a', 'f')],
        _ => null,
    };
}
