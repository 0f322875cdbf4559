using System.Globalization;

namespace ImageBuilder.Cli.Commands;

/// <summary>Sizes, ages and column text the way the docker CLI prints them (docker/go-units and docker's formatter).</summary>
internal static class DockerUnits
{
    private static readonly string[] Units = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

    /// <summary>go-units <c>HumanSizeWithPrecision(size, 3)</c>: powers of 1000, three significant digits (<c>10.5MB</c>, <c>0B</c>).</summary>
    public static string HumanSize(long bytes)
    {
        double size = bytes;
        var unit = 0;
        while (size >= 1000 && unit < Units.Length - 1)
        {
            size /= 1000;
            unit++;
        }

        // Go's %.3g: C#'s G3 spells the exponent with a capital E.
        return size.ToString("G3", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal) + Units[unit];
    }

    /// <summary>go-units <c>HumanDuration</c> followed by " ago", as <c>docker history</c>'s CREATED column.</summary>
    public static string Ago(TimeSpan age)
    {
        var seconds = (long)age.TotalSeconds;
        var minutes = (long)age.TotalMinutes;
        var hours = (long)Math.Round(age.TotalHours, MidpointRounding.AwayFromZero);
        var text = seconds < 1 ? "Less than a second"
            : seconds == 1 ? "1 second"
            : seconds < 60 ? $"{seconds} seconds"
            : minutes == 1 ? "About a minute"
            : minutes < 60 ? $"{minutes} minutes"
            : hours == 1 ? "About an hour"
            : hours < 48 ? $"{hours} hours"
            : hours < 24 * 7 * 2 ? $"{hours / 24} days"
            : hours < 24 * 30 * 2 ? $"{hours / 24 / 7} weeks"
            : hours < 24 * 365 * 2 ? $"{hours / 24 / 30} months"
            : $"{(long)age.TotalHours / 24 / 365} years";
        return text + " ago";
    }

    /// <summary>docker's <c>Ellipsis</c>: at most <paramref name="width"/> characters, the last a "…" when cut.</summary>
    public static string Ellipsis(string text, int width)
    {
        var runes = text.EnumerateRunes().ToList();
        return runes.Count <= width ? text : string.Concat(runes.Take(width - 1)) + "…";
    }

    /// <summary>
    /// Rows laid out as docker's tabwriter does (min width 10, padding 3): every column but the
    /// last padded to its widest cell plus 3.
    /// </summary>
    public static IEnumerable<string> Table(IReadOnlyList<string[]> rows)
    {
        var columns = rows[0].Length;
        var widths = Enumerable.Range(0, columns - 1)
            .Select(c => Math.Max(10, rows.Max(r => r[c].EnumerateRunes().Count()) + 3))
            .ToArray();
        return rows.Select(row => string.Concat(row.Take(columns - 1).Select((cell, c) => cell + new string(' ', widths[c] - cell.EnumerateRunes().Count()))) + row[^1]);
    }
}
