namespace ImageBuilder.Dockerfile.Tests.Ignore;

/// <summary>
/// Chooses which table rows run on Linux. Rows marked for Windows only are
/// skipped and counted; a row we knowingly fail would go in <see cref="Excluded"/>
/// and, with its reason, in testdata/conformance/EXCLUDED.md under
/// "## moby-patternmatcher". Every other row runs, so nothing drops silently.
/// </summary>
internal static class ConformanceRows
{
    /// <summary>"table:line" of rows we knowingly fail. Empty: every row passes.</summary>
    public static readonly IReadOnlySet<string> Excluded = new HashSet<string>();

    public static bool IsWindowsOnly(string platform) => platform switch
    {
        "all" or "non-windows" => false,
        "windows" => true,
        _ => throw new InvalidDataException($"unknown platform marker {platform}"),
    };

    public static bool IsExcluded(ConformanceTable table, ConformanceRow row) =>
        Excluded.Contains($"{table.Name}:{row.Line}");

    /// <summary>The rows to run: all but Windows-only and explicitly excluded ones.</summary>
    public static IEnumerable<ConformanceRow> ToRun(ConformanceTable table, string? platformColumn) =>
        table.Rows.Where(row =>
            (platformColumn is null || !IsWindowsOnly(row[platformColumn])) && !IsExcluded(table, row));

    /// <summary>Asserts the run count is the total less the Windows-only and excluded rows.</summary>
    public static void AssertNothingDropped(ConformanceTable table, string? platformColumn, int expectedTotal)
    {
        Assert.Equal(expectedTotal, table.Rows.Count);
        var windowsOnly = platformColumn is null ? 0 : table.Rows.Count(r => IsWindowsOnly(r[platformColumn]));
        var excluded = table.Rows.Count(r => IsExcluded(table, r));
        Assert.Equal(expectedTotal - windowsOnly - excluded, ToRun(table, platformColumn).Count());
    }
}
