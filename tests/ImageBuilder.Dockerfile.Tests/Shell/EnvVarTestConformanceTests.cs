using ImageBuilder.Dockerfile.Shell;

namespace ImageBuilder.Dockerfile.Tests.Shell;

/// <summary>BuildKit's envVarTest table (TestShellParser4EnvVars), Linux rows.</summary>
public sealed class EnvVarTestConformanceTests
{
    private static readonly ShellLexer Lexer = new('\\');

    // Rows that run on Linux; 'W' rows describe Windows' case-insensitive environment.
    public static TheoryData<int, string, string> LinuxRows()
    {
        var data = new TheoryData<int, string, string>();
        foreach (var row in BuildKitShellCorpus.EnvVarCases().Where(c => c.Platform != "W"))
        {
            data.Add(row.Line, row.Input, row.Expected);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(LinuxRows))]
    public void ProcessWord_matches_buildkit(int line, string input, string expected)
    {
        if (expected == "error")
        {
            Assert.Throws<ShellExpansionException>(() => Lexer.ProcessWord(input, BuildKitShellCorpus.EnvVarTestEnvironment));
            return;
        }

        var result = Lexer.ProcessWord(input, BuildKitShellCorpus.EnvVarTestEnvironment);
        Assert.True(expected == result, $"line {line}: {input} gave '{result}', expected '{expected}'");
    }

    [Fact]
    public void Every_row_is_accounted_for()
    {
        var rows = BuildKitShellCorpus.EnvVarCases();
        var json = BuildKitShellCorpus.Json("envVarTest.json").GetProperty("cases").EnumerateArray().ToList();
        var jsonLinux = json.Count(c => c.GetProperty("platform").GetString() is "all" or "unix");
        var jsonErrors = json.Count(c => c.TryGetProperty("error", out var e) && e.GetBoolean());

        Assert.Equal(json.Count, rows.Count);
        Assert.Equal(230, rows.Count);
        Assert.Equal(jsonLinux, rows.Count(r => r.Platform != "W"));
        Assert.Equal(rows.Count, rows.Count(r => r.Platform is "A" or "U") + rows.Count(r => r.Platform == "W"));
        Assert.Equal(2, rows.Count(r => r.Platform == "W"));
        Assert.Equal(jsonErrors, rows.Count(r => r.Expected == "error"));
        Assert.Equal(LinuxRows().Count(), rows.Count(r => r.Platform is "A" or "U"));
    }

    [Fact]
    public void Raw_file_and_normalized_json_agree()
    {
        var rows = BuildKitShellCorpus.EnvVarCases();
        var json = BuildKitShellCorpus.Json("envVarTest.json").GetProperty("cases").EnumerateArray().ToList();
        for (var i = 0; i < rows.Count; i++)
        {
            var expectedPlatform = rows[i].Platform switch { "A" => "all", "U" => "unix", _ => "windows" };
            Assert.Equal(expectedPlatform, json[i].GetProperty("platform").GetString());
            Assert.Equal(rows[i].Input, json[i].GetProperty("input").GetString());
            if (rows[i].Expected != "error")
            {
                Assert.Equal(rows[i].Expected, json[i].GetProperty("expected").GetString());
            }
        }
    }
}
