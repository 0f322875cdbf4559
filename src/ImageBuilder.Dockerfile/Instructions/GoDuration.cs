using System.Globalization;

namespace ImageBuilder.Dockerfile.Instructions;

/// <summary>Durations written the way Go's time.ParseDuration reads them: <c>1h30m</c>, <c>1.5s</c>, <c>300ms</c>.</summary>
internal static class GoDuration
{
    private static readonly (string Unit, long Nanoseconds)[] Units =
    [
        ("ns", 1), ("us", 1_000), ("µs", 1_000), ("μs", 1_000), ("ms", 1_000_000),
        ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000),
    ];

    /// <summary>Reads <paramref name="text"/>; false when it is not a Go duration or overflows
    /// Go's int64 nanoseconds (about 292 years).</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (!TryParseNanoseconds(text, out var nanoseconds))
        {
            return false;
        }

        value = TimeSpan.FromTicks(nanoseconds / 100);
        return true;
    }

    /// <summary>Go's time.ParseDuration, in nanoseconds.</summary>
    public static bool TryParseNanoseconds(string text, out long nanoseconds)
    {
        nanoseconds = 0;
        var s = text;
        var negative = false;
        if (s.Length > 0 && s[0] is '-' or '+')
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s == "0")
        {
            return true;
        }

        if (s.Length == 0)
        {
            return false;
        }

        decimal total = 0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            var number = s[start..i];
            if (number.Length == 0 || number == "." || number.Count(c => c == '.') > 1 || number.Length > 28
                || !decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
            {
                return false;
            }

            var unitStart = i;
            while (i < s.Length && !char.IsAsciiDigit(s[i]) && s[i] != '.')
            {
                i++;
            }

            var match = Array.FindIndex(Units, u => u.Unit == s[unitStart..i]);
            if (match < 0)
            {
                return false;
            }

            total += decimal.Truncate(n * Units[match].Nanoseconds);
            if (total > long.MaxValue)
            {
                return false;
            }
        }

        nanoseconds = (long)(negative ? -total : total);
        return true;
    }
}
