using ImageBuilder.TestSupport;

namespace ImageBuilder.Cli.Tests;

/// <summary>
/// BuildKit's parser corpus (testdata/conformance/buildkit-parser/testfiles) through <c>ibuild check --dump</c>
/// as a user runs it: every case's tree, byte for byte, also for the cases that then fail validation.
/// </summary>
public sealed class CheckDumpCorpusTests
{
    private static string Corpus(params string[] parts) => RepoPaths.TestData(["conformance", "buildkit-parser", "testfiles", .. parts]);

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(Corpus()).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }

    [Fact]
    public void The_corpus_has_all_33_cases() => Assert.Equal(33, Cases().Cast<object>().Count());

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Check_dump_prints_buildkits_result(string name)
    {
        var expected = (await File.ReadAllTextAsync(Corpus(name, "result"))).Replace("\r\n", "\n");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = await CommandLineApp.RunAsync(
            ["check", "--dump", "-f", Corpus(name, "Dockerfile"), Corpus(name)], TextReader.Null, stdout, stderr, CancellationToken.None);

        Assert.Equal(expected, stdout.ToString());
        Assert.True(code == 0 || stderr.ToString().Contains(": IB", StringComparison.Ordinal), $"exit {code} without a coded error:\n{stderr}");
        Assert.DoesNotContain("internal error", stderr.ToString());
    }

    [Fact]
    public async Task The_cases_without_FROM_dump_their_tree_then_exit_one()
    {
        var failing = new List<string>();
        foreach (var name in Cases().Cast<object[]>().Select(row => (string)row[0]))
        {
            var stdout = new StringWriter();
            var code = await CommandLineApp.RunAsync(
                ["check", "--dump", "-f", Corpus(name, "Dockerfile"), Corpus(name)], TextReader.Null, stdout, new StringWriter(), CancellationToken.None);
            if (code != 0)
            {
                Assert.NotEqual("", stdout.ToString());
                failing.Add(name);
            }
        }

        Assert.Equal(8, failing.Count);
    }
}
