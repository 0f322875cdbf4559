using ImageBuilder.Dockerfile.Ignore;

namespace ImageBuilder.Dockerfile.Tests.Ignore;

/// <summary>matches_single_pattern.tsv: one pattern, one path, through every matching entry point.</summary>
public sealed class SinglePatternTableTests
{
    private static readonly Lazy<ConformanceTable> Table = new(() => ConformanceTable.Load("matches_single_pattern.tsv"));

    public static TheoryData<int, string, string, bool> Rows()
    {
        var data = new TheoryData<int, string, string, bool>();
        foreach (var row in ConformanceRows.ToRun(Table.Value, "platform"))
        {
            data.Add(row.Line, row["pattern"], row["path"], bool.Parse(row["expected_match"]));
        }

        return data;
    }

    [Fact]
    public void Every_linux_row_runs() => ConformanceRows.AssertNothingDropped(Table.Value, "platform", expectedTotal: 68);

    [Theory]
    [MemberData(nameof(Rows))]
    public void Matches_or_parent_matches(int line, string pattern, string path, bool expected)
    {
        var matcher = new PatternMatcher([pattern]);
        Assert.True(expected == matcher.MatchesOrParentMatches(path), $"line {line}: {pattern} vs {path}");
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Matches_using_parent_results_with_parents_walked_first(int line, string pattern, string path, bool expected)
    {
        var matcher = new PatternMatcher([pattern]);
        Assert.True(expected == ParentWalk.Matches(matcher, path), $"line {line}: {pattern} vs {path}");
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Matches_using_parent_results_without_context(int line, string pattern, string path, bool expected)
    {
        var matcher = new PatternMatcher([pattern]);
        Assert.True(expected == ParentWalk.MatchesWithoutContext(matcher, path), $"line {line}: {pattern} vs {path}");
    }
}
