using System.Text.Json;
using ImageBuilder.Dockerfile.Ignore;

namespace ImageBuilder.Dockerfile.Tests.Ignore;

/// <summary>
/// matches_multi_pattern.tsv: ordered pattern lists. The api column names the
/// entry points a row goes through ('+'-separated); "Matches" is docker's
/// deprecated one-parent-level function, "error" means a bad pattern is reported.
/// </summary>
public sealed class MultiPatternTableTests
{
    private static readonly Lazy<ConformanceTable> Table = new(() => ConformanceTable.Load("matches_multi_pattern.tsv"));

    public static TheoryData<int, string, string, string, string> Rows()
    {
        var data = new TheoryData<int, string, string, string, string>();
        foreach (var row in ConformanceRows.ToRun(Table.Value, platformColumn: null))
        {
            data.Add(row.Line, row["patterns_json"], row["path"], row["expected_match"], row["api"]);
        }

        return data;
    }

    [Fact]
    public void Every_row_runs() => ConformanceRows.AssertNothingDropped(Table.Value, platformColumn: null, expectedTotal: 16);

    [Theory]
    [MemberData(nameof(Rows))]
    public void Every_multi_pattern_row_gives_its_result(int line, string patternsJson, string path, string expected, string api)
    {
        var patterns = JsonSerializer.Deserialize<string[]>(patternsJson)!;
        foreach (var entryPoint in api.Split('+'))
        {
            Func<bool> run = entryPoint switch
            {
                "Matches" => () => PatternMatcher.MatchesSingleParentLevel(path, patterns),
                "MatchesOrParentMatches" => () => new PatternMatcher(patterns).MatchesOrParentMatches(path),
                "MatchesUsingParentResults" => () =>
                {
                    var matcher = new PatternMatcher(patterns);
                    var walked = ParentWalk.Matches(matcher, path);
                    Assert.Equal(walked, ParentWalk.MatchesWithoutContext(matcher, path));
                    return walked;
                }
                ,
                _ => throw new InvalidDataException($"line {line}: unknown api {entryPoint}"),
            };

            if (expected == "error")
            {
                Assert.Throws<IgnorePatternException>(() => run());
            }
            else
            {
                Assert.True(bool.Parse(expected) == run(), $"line {line} via {entryPoint}");
            }
        }
    }

    /// <summary>The moby/moby#52203 regression row: compiling succeeds, every match reports the error.</summary>
    [Fact]
    public void Pattern_that_only_fails_when_matched_reports_every_time()
    {
        var matcher = new PatternMatcher(["[Local-Only]/"]);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var error = Assert.Throws<IgnorePatternException>(() => matcher.MatchesOrParentMatches("x"));
            Assert.Equal(IgnorePatternError.Syntax, error.Error);
            Assert.Equal("[Local-Only]/", error.Pattern);
            Assert.Equal(0, error.PatternIndex);
        }
    }
}
