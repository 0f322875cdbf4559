using System.Globalization;
using ImageBuilder.Application;

namespace ImageBuilder.Cli.Progress;

/// <summary>
/// The line every build ends with (plain and live; quiet prints only the id):
/// <c>built sha256:… in 2.3s: 3 steps run, 2 cached, 4.2 MB written; image 5.1 MB; no warnings</c>,
/// or <c>build failed after 1.2s; 1 warning</c>. Sizes in decimal units, as docker prints them.
/// </summary>
internal static class BuildSummary
{
    public static string Succeeded(BuildResult result, TimeSpan elapsed, int warnings) =>
        $"built {result.Id} in {Seconds(elapsed)}: {Steps(result.Counts.Run, "run")}, {result.Counts.Cached} cached, "
        + $"{ByteSize.Decimal(result.Counts.BytesWritten)} written; image {ByteSize.Decimal(result.ImageSize)}; {Warnings(warnings)}";

    public static string Failed(TimeSpan elapsed, int warnings) => $"build failed after {Seconds(elapsed)}; {Warnings(warnings)}";

    private static string Seconds(TimeSpan elapsed) => elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s";

    private static string Steps(int count, string what) => $"{count} {(count == 1 ? "step" : "steps")} {what}";

    private static string Warnings(int count) => count switch
    {
        0 => "no warnings",
        1 => "1 warning",
        _ => $"{count} warnings",
    };
}
