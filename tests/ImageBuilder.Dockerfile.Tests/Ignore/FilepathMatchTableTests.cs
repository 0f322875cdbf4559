using ImageBuilder.Dockerfile.Ignore;

namespace ImageBuilder.Dockerfile.Tests.Ignore;

/// <summary>
/// filepath_match_compat.tsv: Go's filepath.Match cases run through docker's
/// deprecated Matches(path, [pattern]). On Linux every row runs ('\' escapes).
/// </summary>
public sealed class FilepathMatchTableTests
{
    private static readonly Lazy<ConformanceTable> Table = new(() => ConformanceTable.Load("filepath_match_compat.tsv"));

    public static TheoryData<int, string, string, bool, string> Rows()
    {
        var data = new TheoryData<int, string, string, bool, string>();
        foreach (var row in ConformanceRows.ToRun(Table.Value, platformColumn: null))
        {
            data.Add(row.Line, row["pattern"], row["path"], bool.Parse(row["expected_match"]), row["expected_error"]);
        }

        return data;
    }

    [Fact]
    public void Every_row_runs() => ConformanceRows.AssertNothingDropped(Table.Value, platformColumn: null, expectedTotal: 54);

    [Theory]
    [MemberData(nameof(Rows))]
    public void Every_filepath_match_row_gives_its_result(int line, string pattern, string path, bool expected, string expectedError)
    {
        switch (expectedError)
        {
            case "none":
                Assert.True(expected == PatternMatcher.MatchesSingleParentLevel(path, [pattern]), $"line {line}: {pattern} vs {path}");
                break;
            case "ErrBadPattern":
                var error = Assert.Throws<IgnorePatternException>(() => PatternMatcher.MatchesSingleParentLevel(path, [pattern]));
                Assert.Equal(IgnorePatternError.Syntax, error.Error);
                break;
            default:
                throw new InvalidDataException($"line {line}: unknown error {expectedError}");
        }
    }
}
