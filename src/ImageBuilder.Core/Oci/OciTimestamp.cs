using System.Globalization;
using System.Text.RegularExpressions;

namespace ImageBuilder.Core.Oci;

/// <summary>
/// The RFC 3339 timestamps of image configs (<c>created</c>). The model keeps them as
/// text, because .NET time types hold 100 ns ticks while Go writes nanoseconds, and
/// re-formatting would change a config's bytes (and so its digest).
/// </summary>
public static partial class OciTimestamp
{
    // The form Go's time.Time accepts in JSON: upper-case T and Z, any number of fraction digits.
    [GeneratedRegex(@"^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(?:Z|[+-]([0-9]{2}):([0-9]{2}))\z", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();

    /// <summary>True when Go (and so Docker and containerd) would read <paramref name="text"/> as a time.</summary>
    public static bool IsValid(string text)
    {
        var match = Rfc3339().Match(text);
        if (!match.Success)
        {
            return false;
        }

        int Part(int group) => int.Parse(match.Groups[group].ValueSpan, CultureInfo.InvariantCulture);
        var year = Part(1);
        var month = Part(2);
        if (month is < 1 or > 12 || Part(3) < 1 || Part(3) > DateTime.DaysInMonth(Math.Max(year, 1), month))
        {
            return false;
        }

        if (Part(4) > 23 || Part(5) > 59 || Part(6) > 59)
        {
            return false;
        }

        return !match.Groups[8].Success || (Part(8) <= 23 && Part(9) <= 59);
    }

    /// <summary>
    /// Formats a time the way Go's RFC3339Nano does: fraction without trailing zeros
    /// (none at all when whole), <c>Z</c> for UTC, otherwise the offset.
    /// </summary>
    public static string Format(DateTimeOffset time)
    {
        var text = time.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture).TrimEnd('0').TrimEnd('.');
        return time.Offset == TimeSpan.Zero ? text + "Z" : text + time.ToString("zzz", CultureInfo.InvariantCulture);
    }

    /// <summary>Reads a timestamp; digits beyond 100 ns are dropped.</summary>
    public static DateTimeOffset Parse(string text)
    {
        if (!IsValid(text))
        {
            throw new FormatException($"\"{text}\" is not an RFC 3339 timestamp");
        }

        var dot = text.IndexOf('.');
        if (dot >= 0)
        {
            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            // .NET parses at most 7 fraction digits.
            text = end - dot > 8 ? text[..(dot + 8)] + text[end..] : text;
        }

        return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
    }
}
