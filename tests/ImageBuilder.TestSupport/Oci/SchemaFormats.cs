using System.Globalization;
using System.Text.RegularExpressions;

namespace ImageBuilder.TestSupport.Oci;

/// <summary>
/// The draft-04 "format" values the OCI schemas use. <c>uri</c> is an absolute URI
/// per RFC 3986 (scheme required, only URI characters, complete percent escapes);
/// <c>date-time</c> is RFC 3339's date-time. Other formats are not checked, as the
/// draft allows.
/// </summary>
internal static partial class SchemaFormats
{
    // scheme ":" ["//" authority] path ["?" query] ["#" fragment]
    [GeneratedRegex(
        @"^[A-Za-z][A-Za-z0-9+.-]*:" +
        @"(?://(?:(?:[A-Za-z0-9._~!$&'()*+,;=:-]|%[0-9A-Fa-f]{2})*@)?(?:\[[0-9A-Fa-f:.vV]+\]|(?:[A-Za-z0-9._~!$&'()*+,;=-]|%[0-9A-Fa-f]{2})*)(?::[0-9]*)?)?" +
        @"(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})*" +
        @"(?:\?(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?" +
        @"(?:\#(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?\z",
        RegexOptions.CultureInvariant)]
    private static partial Regex Uri();

    [GeneratedRegex(
        @"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?(?:[Zz]|[+-]([0-9]{2}):([0-9]{2}))\z",
        RegexOptions.CultureInvariant)]
    private static partial Regex DateTime();

    public static bool IsValid(string format, string value) => format switch
    {
        "uri" => Uri().IsMatch(value),
        "date-time" => IsDateTime(value),
        _ => true,
    };

    private static bool IsDateTime(string value)
    {
        var match = DateTime().Match(value);
        if (!match.Success)
        {
            return false;
        }

        int Part(int group) => int.Parse(match.Groups[group].ValueSpan, CultureInfo.InvariantCulture);
        var (year, month, day) = (Part(1), Part(2), Part(3));
        return month is >= 1 and <= 12
            && day >= 1 && day <= System.DateTime.DaysInMonth(Math.Max(year, 1), month)
            && Part(4) <= 23 && Part(5) <= 59 && Part(6) <= 60 // RFC 3339 allows a leap second
            && (!match.Groups[7].Success || (Part(7) <= 23 && Part(8) <= 59));
    }
}
