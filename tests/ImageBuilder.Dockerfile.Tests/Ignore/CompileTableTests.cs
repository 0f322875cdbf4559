using ImageBuilder.Dockerfile.Ignore;
using ImageBuilder.Dockerfile.Paths;

namespace ImageBuilder.Dockerfile.Tests.Ignore;

/// <summary>
/// compile_go_regexp.tsv (informative in the corpus): our translation must
/// produce the same match kind and, for regexp patterns, the same Go regexp
/// text as moby/patternmatcher with '/' as separator.
/// </summary>
public sealed class CompileTableTests
{
    private static readonly Lazy<ConformanceTable> Table = new(() => ConformanceTable.Load("compile_go_regexp.tsv"));

    public static TheoryData<int, string, string, string> Rows()
    {
        var data = new TheoryData<int, string, string, string>();
        foreach (var row in ConformanceRows.ToRun(Table.Value, platformColumn: null))
        {
            data.Add(row.Line, row["pattern"], row["match_type"], row["go_regexp_slash"]);
        }

        return data;
    }

    [Fact]
    public void Every_row_runs() => ConformanceRows.AssertNothingDropped(Table.Value, platformColumn: null, expectedTotal: 21);

    [Theory]
    [MemberData(nameof(Rows))]
    public void Every_compile_table_row_gives_its_regex(int line, string pattern, string matchType, string regex)
    {
        var expectedKind = matchType switch
        {
            "exactMatch" => MatchKind.Exact,
            "prefixMatch" => MatchKind.Prefix,
            "suffixMatch" => MatchKind.Suffix,
            "regexpMatch" => MatchKind.Regex,
            _ => throw new InvalidDataException($"line {line}: unknown match type {matchType}"),
        };

        var (kind, actual) = PatternCompiler.Translate(GoText.ToRunes(GoPath.Clean(pattern)));
        Assert.Equal(expectedKind, kind);
        Assert.Equal(kind == MatchKind.Regex ? regex : string.Empty, actual);
        if (kind == MatchKind.Regex)
        {
            Assert.NotNull(GoRegexParser.TryParse(actual));
        }
    }
}
