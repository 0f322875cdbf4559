using System.Text;
using System.Text.Json;
using ImageBuilder.Dockerfile.Instructions;

namespace ImageBuilder.Dockerfile.Tests.Instructions;

/// <summary>BuildKit's instruction-level tables: error messages, and COPY/RUN heredoc shapes.</summary>
public sealed class BuildKitInstructionTablesTests
{
    private static string Table(string name) => TestData.Path("conformance", "buildkit-parser", "go-tables", name);

    public static TheoryData<string, string, string> ErrorRows()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var line in File.ReadAllLines(Table("instruction_errors.tsv")).Skip(1))
        {
            var cells = line.Split('\t');
            data.Add(cells[0], Unescape(cells[1]), Unescape(cells[2]));
        }

        return data;
    }

    [Fact]
    public void The_error_table_has_every_row() => Assert.Equal(19, ErrorRows().Cast<object>().Count());

    [Theory]
    [MemberData(nameof(ErrorRows))]
    public void Invalid_instructions_fail_with_buildkits_message(string name, string dockerfile, string expected)
    {
        var error = Assert.Throws<DockerfileException>(() => DockerfileParser.Parse("FROM scratch\n" + dockerfile));

        Assert.Contains(expected, error.Diagnostics[0].Message);
        Assert.True(error.Span!.Value.StartLine >= 2, name);
    }

    [Fact]
    public void Copy_heredoc_rows_give_buildkits_sources_and_destination()
    {
        using var table = JsonDocument.Parse(File.ReadAllText(Table("instruction_heredocs.json")));
        var rows = table.RootElement.GetProperty("copy").EnumerateArray().ToList();
        Assert.NotEmpty(rows);
        foreach (var row in rows)
        {
            var copy = Assert.IsType<CopyInstruction>(Single(row.GetProperty("dockerfile").GetString()!));
            var expected = row.GetProperty("sourcesAndDest");
            Assert.Equal(expected.GetProperty("DestPath").GetString(), copy.Paths.DestPath);
            var paths = expected.TryGetProperty("SourcePaths", out var p) ? p.EnumerateArray().Select(e => e.GetString()!).ToList() : [];
            Assert.Equal(paths, copy.Paths.SourcePaths);
            var contents = expected.TryGetProperty("SourceContents", out var c)
                ? c.EnumerateArray().Select(e => (e.GetProperty("Path").GetString()!, e.GetProperty("Data").GetString()!, e.GetProperty("Expand").GetBoolean())).ToList()
                : [];
            Assert.Equal(contents, copy.Paths.SourceContents.Select(s => (s.Name, s.Data, s.Expand)).ToList());
        }
    }

    [Fact]
    public void Run_heredoc_rows_give_buildkits_command_and_files()
    {
        using var table = JsonDocument.Parse(File.ReadAllText(Table("instruction_heredocs.json")));
        var rows = table.RootElement.GetProperty("run").EnumerateArray().ToList();
        Assert.NotEmpty(rows);
        foreach (var row in rows)
        {
            var run = Assert.IsType<RunInstruction>(Single(row.GetProperty("dockerfile").GetString()!));
            Assert.Equal(row.GetProperty("command").EnumerateArray().Select(e => e.GetString()!).ToList(), run.Command.Arguments);
            Assert.Equal(row.GetProperty("shell").GetBoolean(), run.Command.PrependShell);
            var files = row.TryGetProperty("files", out var f)
                ? f.EnumerateArray().Select(e => (e.GetProperty("Name").GetString()!, e.GetProperty("Data").GetString()!,
                    e.TryGetProperty("Chomp", out var chomp) && chomp.GetBoolean())).ToList()
                : [];
            Assert.Equal(files, run.Files.Select(x => (x.Name, x.Data, x.Chomp)).ToList());
        }
    }

    private static Instruction Single(string dockerfile) =>
        DockerfileParser.Parse("FROM scratch\n" + dockerfile).Stages[0].Commands.Single();

    private static string Unescape(string cell)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < cell.Length; i++)
        {
            if (cell[i] == '\\' && i + 1 < cell.Length)
            {
                i++;
                sb.Append(cell[i] switch { 't' => '\t', 'n' => '\n', 'r' => '\r', _ => cell[i] });
            }
            else
            {
                sb.Append(cell[i]);
            }
        }

        return sb.ToString();
    }
}
