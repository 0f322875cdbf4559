using System.Text.Json;
using ImageBuilder.Dockerfile.Shell;

namespace ImageBuilder.Dockerfile.Tests.Shell;

/// <summary>
/// The hand-transcribed rows of process_word_extra.json: ${VAR:?msg} / ${VAR?msg} errors,
/// the release file name pattern, and how NAME=value lists become an environment.
/// </summary>
public sealed class ProcessWordExtraConformanceTests
{
    private static readonly ShellLexer Lexer = new('\\');

    private static readonly Lazy<List<JsonElement>> Cases = new(() =>
        [.. BuildKitShellCorpus.Json("process_word_extra.json").GetProperty("cases").EnumerateArray()]);

    public static TheoryData<int> Rows()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Cases.Value.Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Row_matches_buildkit(int index)
    {
        var row = Cases.Value[index];
        var env = ShellEnvironment.FromPairs(BuildKitShellCorpus.Strings(row.GetProperty("envs")));
        if (row.TryGetProperty("fn", out var fn))
        {
            Assert.Equal("getEnv", fn.GetString());
            var name = row.GetProperty("name").GetString()!;
            Assert.True(env.ContainsKey(name));
            Assert.Equal(row.GetProperty("expected").GetString(), env[name]);
            Assert.Equal(row.GetProperty("expected").GetString(), Lexer.ProcessWord("$" + name, env));
            return;
        }

        var input = row.GetProperty("input").GetString()!;
        if (row.TryGetProperty("error_contains", out var message))
        {
            var error = Assert.Throws<ShellExpansionException>(() => Lexer.ProcessWord(input, env));
            Assert.Contains(message.GetString()!, error.Message, StringComparison.Ordinal);
            return;
        }

        Assert.Equal(row.GetProperty("expected").GetString(), Lexer.ProcessWord(input, env));
    }

    [Fact]
    public void Every_row_is_accounted_for()
    {
        Assert.Equal(11, Cases.Value.Count);
        Assert.All(Cases.Value, row => Assert.True(
            row.TryGetProperty("fn", out _) || row.TryGetProperty("expected", out _) || row.TryGetProperty("error_contains", out _)));
    }

    [Fact]
    public void Mandatory_variable_messages_read_like_buildkit()
    {
        var env = ShellEnvironment.FromPairs(["EMPTY="]);
        var unset = Assert.Throws<ShellExpansionException>(() => Lexer.ProcessWord("${MISSING?}", env));
        Assert.Equal("failed to process \"${MISSING?}\": MISSING: is not allowed to be unset", unset.Message);
        var empty = Assert.Throws<ShellExpansionException>(() => Lexer.ProcessWord("x${EMPTY:?}", env));
        Assert.Equal("failed to process \"x${EMPTY:?}\": EMPTY: is not allowed to be empty", empty.Message);
        Assert.Equal(1, empty.Position);
    }
}
