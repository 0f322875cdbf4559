using ImageBuilder.Dockerfile.Shell;

namespace ImageBuilder.Dockerfile.Tests.Shell;

/// <summary>BuildKit's wordsTest table (TestShellParser4Words): ProcessWords with an accumulating environment.</summary>
public sealed class WordsTestConformanceTests
{
    private static readonly ShellLexer Lexer = new('\\');

    public static TheoryData<int> Rows()
    {
        var data = new TheoryData<int>();
        foreach (var row in BuildKitShellCorpus.WordsCases())
        {
            data.Add(row.Line);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void ProcessWords_matches_buildkit(int line)
    {
        var row = BuildKitShellCorpus.WordsCases().Single(c => c.Line == line);
        var env = ShellEnvironment.FromPairs(row.Env);
        if (row.Expected is ["error"])
        {
            Assert.Throws<ShellExpansionException>(() => Lexer.ProcessWords(row.Input, env));
            return;
        }

        Assert.Equal(row.Expected, Lexer.ProcessWords(row.Input, env));
    }

    [Fact]
    public void Every_row_is_accounted_for_and_agrees_with_the_json()
    {
        var rows = BuildKitShellCorpus.WordsCases();
        var json = BuildKitShellCorpus.Json("wordsTest.json").GetProperty("cases").EnumerateArray().ToList();
        Assert.Equal(24, rows.Count);
        Assert.Equal(json.Count, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(rows[i].Line, json[i].GetProperty("line").GetInt32());
            Assert.Equal(rows[i].Input, json[i].GetProperty("input").GetString());
            Assert.Equal(rows[i].Env, BuildKitShellCorpus.Strings(json[i].GetProperty("env")));
            if (json[i].TryGetProperty("expected_words", out var words))
            {
                Assert.Equal(rows[i].Expected, BuildKitShellCorpus.Strings(words));
            }
            else
            {
                Assert.Equal(["error"], rows[i].Expected);
            }
        }
    }
}
