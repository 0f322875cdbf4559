using ImageBuilder.Dockerfile.Ignore;
using ImageBuilder.Dockerfile.Paths;
using ImageBuilder.Dockerfile.Tests.Ignore;

namespace ImageBuilder.Dockerfile.Tests.Paths;

/// <summary>
/// <see cref="FilePathMatch"/> against the cases of Go's own <c>filepath.Match</c> tests: the
/// pattern validity of every row of the vendored filepath_match_compat.tsv, and the matches of
/// Go's table (where '*' and '?' never cross a '/', unlike docker's pattern matcher).
/// </summary>
public sealed class FilePathMatchTests
{
    private static readonly Lazy<ConformanceTable> Table = new(() => ConformanceTable.Load("filepath_match_compat.tsv"));

    public static TheoryData<int, string, string> Rows()
    {
        var data = new TheoryData<int, string, string>();
        foreach (var row in ConformanceRows.ToRun(Table.Value, platformColumn: null))
        {
            data.Add(row.Line, row["pattern"], row["expected_error"]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void A_pattern_is_valid_exactly_when_go_reports_no_bad_pattern(int line, string pattern, string expectedError)
    {
        Assert.True(FilePathMatch.IsValid(GoText.ToRunes(pattern)) == (expectedError == "none"), $"line {line}: {pattern}");
        if (expectedError != "none")
        {
            Assert.False(FilePathMatch.Match(pattern, "a"));
        }
    }

    [Theory]
    [InlineData("abc", "abc", true)]
    [InlineData("*", "abc", true)]
    [InlineData("*c", "abc", true)]
    [InlineData("a*", "a", true)]
    [InlineData("a*", "abc", true)]
    [InlineData("a*", "ab/c", false)]
    [InlineData("a*/b", "abc/b", true)]
    [InlineData("a*/b", "a/c/b", false)]
    [InlineData("a*b*c*d*e*/f", "axbxcxdxe/f", true)]
    [InlineData("a*b*c*d*e*/f", "axbxcxdxexxx/f", true)]
    [InlineData("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false)]
    [InlineData("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false)]
    [InlineData("a*b?c*x", "abxbbxdbxebxczzx", true)]
    [InlineData("a*b?c*x", "abxbbxdbxebxczzy", false)]
    [InlineData("ab[c]", "abc", true)]
    [InlineData("ab[b-d]", "abc", true)]
    [InlineData("ab[e-g]", "abc", false)]
    [InlineData("ab[^c]", "abc", false)]
    [InlineData("ab[^b-d]", "abc", false)]
    [InlineData("ab[^e-g]", "abc", true)]
    [InlineData("a\\*b", "a*b", true)]
    [InlineData("a\\*b", "ab", false)]
    [InlineData("a?b", "a☺b", true)]
    [InlineData("a[^a]b", "a☺b", true)]
    [InlineData("a???b", "a☺b", false)]
    [InlineData("a[^a][^a][^a]b", "a☺b", false)]
    [InlineData("[a-ζ]*", "α", true)]
    [InlineData("*[a-ζ]", "A", false)]
    [InlineData("a?b", "a/b", false)]
    [InlineData("a*b", "a/b", false)]
    [InlineData("[\\]a]", "]", true)]
    [InlineData("[\\-]", "-", true)]
    [InlineData("[x\\-]", "x", true)]
    [InlineData("[x\\-]", "-", true)]
    [InlineData("[x\\-]", "z", false)]
    [InlineData("[\\-x]", "x", true)]
    [InlineData("[\\-x]", "-", true)]
    [InlineData("[\\-x]", "a", false)]
    [InlineData("*x", "xxx", true)]
    [InlineData("a?", "a😀", true)]
    public void Names_match_as_go_matches_them(string pattern, string name, bool expected) =>
        Assert.Equal(expected, FilePathMatch.Match(pattern, name));
}
