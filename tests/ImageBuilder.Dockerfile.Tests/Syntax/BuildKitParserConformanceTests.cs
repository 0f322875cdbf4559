using ImageBuilder.Dockerfile.Syntax;

namespace ImageBuilder.Dockerfile.Tests.Syntax;

/// <summary>BuildKit's parser corpus: testfiles (dump), testfiles-negative, testfile-line.</summary>
public sealed class BuildKitParserConformanceTests
{
    private static string Corpus(params string[] parts) => TestData.Path(["conformance", "buildkit-parser", .. parts]);

    public static TheoryData<string> PositiveCases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(Corpus("testfiles")).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }

    public static TheoryData<string> NegativeCases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(Corpus("testfiles-negative")).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }

    [Fact]
    public void The_corpus_has_all_33_positive_and_4_negative_cases()
    {
        Assert.Equal(33, PositiveCases().Cast<object>().Count());
        Assert.Equal(4, NegativeCases().Cast<object>().Count());
    }

    [Theory]
    [MemberData(nameof(PositiveCases))]
    public void Dump_matches_buildkit_byte_for_byte(string name)
    {
        var text = File.ReadAllText(Corpus("testfiles", name, "Dockerfile"));
        var expected = File.ReadAllText(Corpus("testfiles", name, "result")).Replace("\r\n", "\n");

        var tree = SyntaxParser.Parse(text);

        Assert.Equal(expected, SyntaxDump.Dump(tree));
    }

    [Theory]
    [MemberData(nameof(NegativeCases))]
    public void Negative_cases_are_rejected_with_a_located_error(string name)
    {
        var text = File.ReadAllText(Corpus("testfiles-negative", name, "Dockerfile"));

        var error = Assert.Throws<DockerfileException>(() => SyntaxParser.Parse(text));

        Assert.NotNull(error.Span);
        Assert.True(error.Span!.Value.StartLine >= 1);
    }

    [Fact]
    public void Line_numbers_match_buildkit()
    {
        var text = File.ReadAllText(Corpus("testfile-line", "Dockerfile"));
        using var expected = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Corpus("testfile-line", "expected.json")));

        var tree = SyntaxParser.Parse(text);

        var root = expected.RootElement.GetProperty("root");
        Assert.Equal(root[0].GetInt32(), tree.StartLine);
        Assert.Equal(root[1].GetInt32(), tree.EndLine);
        var children = expected.RootElement.GetProperty("children").EnumerateArray()
            .Select(c => (c[0].GetInt32(), c[1].GetInt32())).ToList();
        Assert.Equal(children, tree.Nodes.Select(n => (n.Span.StartLine, n.Span.EndLine)).ToList());
    }
}
