using System.Text.Json;
using ImageBuilder.Dockerfile.Syntax;
using Sprache;

namespace ImageBuilder.Dockerfile.Tests.Syntax;

/// <summary>The tables transcribed from BuildKit's parser tests (testdata/conformance/buildkit-parser/go-tables).</summary>
public sealed class BuildKitGoTablesTests
{
    private static string Table(params string[] parts) => TestData.Path(["conformance", "buildkit-parser", "go-tables", .. parts]);

    private static JsonElement Json(params string[] parts) => JsonDocument.Parse(File.ReadAllText(Table(parts))).RootElement;

    public static TheoryData<int> DirectiveCases() => Indexes(Json("directives.json").GetProperty("cases"));

    private static TheoryData<int> Indexes(JsonElement array)
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < array.GetArrayLength(); i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DirectiveCases))]
    public void Every_directive_case_parses_as_buildkit_does(int index)
    {
        var row = Json("directives.json").GetProperty("cases")[index];
        var input = row.GetProperty("input").GetString()!;
        if (row.TryGetProperty("input_hex_prefix", out var prefix) && prefix.GetString() == "efbbbf")
        {
            input = "\uFEFF" + input;
        }

        var fn = row.GetProperty("fn").GetString();
        if (fn == "ParseAll")
        {
            var expected = row.GetProperty("expect").EnumerateArray()
                .Select(e => (e.GetProperty("name").GetString(), e.GetProperty("value").GetString())).ToList();
            Assert.Equal(expected, DirectiveDetector.ParseAll(input).Select(d => ((string?)d.Name, (string?)d.Value)).ToList());
            return;
        }

        var detected = fn == "DetectSyntax" ? DirectiveDetector.DetectSyntax(input) : DirectiveDetector.Detect("check", input);
        Assert.Equal(row.GetProperty("ok").GetBoolean(), detected is not null);
        if (detected is null)
        {
            return;
        }

        if (row.TryGetProperty("ref", out var value))
        {
            Assert.Equal(value.GetString(), detected.Value);
        }

        if (row.TryGetProperty("cmdline", out var cmdline))
        {
            Assert.Equal(cmdline.GetString(), detected.CommandLine);
        }

        if (row.TryGetProperty("line", out var line))
        {
            Assert.Equal(line.GetInt32(), detected.Line);
        }
    }

    [Fact]
    public void Json_arrays_valid_rows_read_as_string_lists()
    {
        var rows = Json("json_arrays.json").GetProperty("valid").EnumerateArray().ToList();
        Assert.NotEmpty(rows);
        foreach (var row in rows)
        {
            var result = DockerfileGrammar.ExecForm.Parse(row.GetProperty("input").GetString()!);
            var expected = row.GetProperty("expect").EnumerateArray().Select(e => e.GetString()!).ToList();
            Assert.Equal(expected, result.Values);
        }
    }

    [Fact]
    public void Json_arrays_that_are_not_string_arrays_are_flagged()
    {
        var rows = Json("json_arrays.json").GetProperty("invalid_not_string_array").EnumerateArray().ToList();
        Assert.NotEmpty(rows);
        foreach (var row in rows)
        {
            Assert.True(DockerfileGrammar.ExecForm.Parse(row.GetString()!).NotStringArray, row.GetString());
        }
    }

    [Fact]
    public void Parse_words_rows_split_like_buildkit()
    {
        var rows = Json("parse_words.json").EnumerateArray().ToList();
        Assert.NotEmpty(rows);
        foreach (var row in rows)
        {
            var expected = row.GetProperty("expect").EnumerateArray().Select(e => e.GetString()!).ToList();
            Assert.Equal(expected, DockerfileGrammar.Words('\\').Parse(row.GetProperty("input").GetString()!));
        }
    }

    [Fact]
    public void Empty_continuation_lines_give_two_warnings()
    {
        var expected = Json("warn-empty-continuation", "expected.json");
        var tree = SyntaxParser.Parse(File.ReadAllText(Table("warn-empty-continuation", "Dockerfile")));

        var wanted = expected.GetProperty("warnings_contain").EnumerateArray().ToList();
        Assert.Equal(wanted.Count, tree.Warnings.Count);
        for (var i = 0; i < wanted.Count; i++)
        {
            foreach (var part in wanted[i].EnumerateArray())
            {
                Assert.Contains(part.GetString()!, tree.Warnings[i].Message);
            }
        }
    }

    [Theory]
    [InlineData("heredoc-extract")]
    [InlineData("heredoc-json-form")]
    public void Heredocs_are_extracted_like_buildkit(string folder)
    {
        var tree = SyntaxParser.Parse(File.ReadAllText(Table(folder, "Dockerfile")));
        var expected = Json(folder, "expected.json").GetProperty("expected").EnumerateArray().ToList();

        Assert.Equal(expected.Count + 1, tree.Nodes.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var actual = tree.Nodes[i + 1].Heredocs;
            if (expected[i].ValueKind == JsonValueKind.Null)
            {
                Assert.Empty(actual);
                continue;
            }

            var want = expected[i].EnumerateArray().Select(h => new Heredoc(
                h.GetProperty("Name").GetString()!, h.GetProperty("Content").GetString()!, h.GetProperty("Expand").GetBoolean(),
                h.GetProperty("Chomp").GetBoolean(), h.GetProperty("FileDescriptor").GetInt32())).ToList();
            Assert.Equal(want, actual);
        }
    }

    [Fact]
    public void Heredoc_words_table()
    {
        var table = Json("heredoc_words.json");
        foreach (var word in table.GetProperty("valid_name_is_EOF").EnumerateArray())
        {
            Assert.Equal("EOF", HeredocMarkers.Parse(word.GetString()!)?.Name);
        }

        foreach (var word in table.GetProperty("invalid_error").EnumerateArray())
        {
            Assert.Throws<ArgumentSyntaxException>(() => HeredocMarkers.Parse(word.GetString()!));
        }

        foreach (var word in table.GetProperty("not_heredoc").EnumerateArray())
        {
            Assert.Null(HeredocMarkers.Parse(word.GetString()!));
        }

        foreach (var row in table.GetProperty("heredocs_from_line").EnumerateArray())
        {
            var names = row.GetProperty("names");
            var expected = names.ValueKind == JsonValueKind.Null ? [] : names.EnumerateArray().Select(n => n.GetString()!).ToList();
            Assert.Equal(expected, HeredocMarkers.FromLine(row.GetProperty("line").GetString()!).Select(h => h.Name).ToList());
        }

        Assert.Equal("hello\nworld\n", HeredocMarkers.Chomp("\thello\n\tworld\n"));
    }
}
