using System.Text.Json;
using ImageBuilder.Dockerfile.Shell;

namespace ImageBuilder.Dockerfile.Tests.Shell;

/// <summary>BuildKit's TestProcessWithMatches table: result plus the exact found / not-found name sets.</summary>
public sealed class ProcessWithMatchesConformanceTests
{
    private static readonly ShellLexer Lexer = new('\\');

    private static readonly Lazy<List<JsonElement>> Cases = new(() =>
        [.. BuildKitShellCorpus.Json("process_with_matches.json").GetProperty("cases").EnumerateArray()]);

    public static TheoryData<int, string> Rows()
    {
        var data = new TheoryData<int, string>();
        for (var i = 0; i < Cases.Value.Count; i++)
        {
            data.Add(i, Cases.Value[i].GetProperty("input").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void ProcessWordWithMatches_matches_buildkit(int index, string input)
    {
        var row = Cases.Value[index];
        var env = row.GetProperty("envs").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
        if (row.GetProperty("expectedErr").GetBoolean())
        {
            Assert.Throws<ShellExpansionException>(() => Lexer.ProcessWordWithMatches(input, env));
            return;
        }

        var result = Lexer.ProcessWordWithMatches(input, env);
        Assert.Equal(row.GetProperty("expected").GetString(), result.Result);
        Assert.Equal(Sorted(BuildKitShellCorpus.Strings(row.GetProperty("matches"))), Sorted(result.Matched));
        Assert.Equal(Sorted(BuildKitShellCorpus.Strings(row.GetProperty("unmatched"))), Sorted(result.Unmatched));
    }

    [Fact]
    public void Every_row_is_accounted_for()
    {
        Assert.Equal(47, Cases.Value.Count);
        Assert.Equal(47, Rows().Count());
    }

    private static string[] Sorted(IEnumerable<string> names) => [.. names.Order(StringComparer.Ordinal)];
}
