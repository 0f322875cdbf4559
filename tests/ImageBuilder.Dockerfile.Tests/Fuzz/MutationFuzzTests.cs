using System.Text;
using ImageBuilder.Dockerfile.Shell;

namespace ImageBuilder.Dockerfile.Tests.Fuzz;

/// <summary>
/// Mutates every corpus Dockerfile thousands of times (truncation, character flips,
/// inserted quotes, escapes, "${", heredoc markers, brackets, line breaks) and checks
/// that the front end either accepts the text or rejects it with a located
/// <see cref="DockerfileException"/>: never another exception type, never a hang.
/// The run is deterministic (fixed seed), so a failure names an input that can be replayed.
/// </summary>
public sealed class MutationFuzzTests
{
    private const int InputsPerRun = 12_000;

    /// <summary>How long one input may take before the parser counts as hung. A liveness
    /// watchdog only: a linear parser needs milliseconds, this is minutes.</summary>
    private static readonly TimeSpan HangWatchdog = TimeSpan.FromMinutes(2);

    private static readonly string[] Insertions =
    [
        "\"", "'", "\\", "`", "${", "}", "$", "<<EOF", "<<-'EOF'", "3<<\"X\"", "\nEOF\n", "[", "]", "[\"a\", 1]",
        "\n", "\r\n", "#", "# escape=`\n", "--", "--from=", "=", " ", "\t", "${a:-", "${a#*", "${a//x/", "\\\n", "\u00e9",
        "\uFEFF", "ONBUILD ", "FROM a AS 1\n", "HEALTHCHECK --interval=", "\0",
    ];

    private static IReadOnlyList<string> Corpus()
    {
        var roots = new[]
        {
            TestData.Path("conformance", "buildkit-parser"),
            TestData.Path("conformance", "realworld-dockerfiles", "files"),
        };
        return roots.SelectMany(r => Directory.EnumerateFiles(r, "*", SearchOption.AllDirectories))
            .Where(f => !f.EndsWith(".json", StringComparison.Ordinal) && !f.EndsWith(".tsv", StringComparison.Ordinal)
                && !f.EndsWith("result", StringComparison.Ordinal) && !f.EndsWith(".txt", StringComparison.Ordinal)
                && !f.EndsWith("LICENSE", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllText)
            .ToList();
    }

    [Fact]
    public async Task Mutated_corpus_files_parse_or_fail_with_a_located_error()
    {
        var corpus = Corpus();
        Assert.True(corpus.Count >= 70, $"expected the whole corpus, found {corpus.Count} files");
        var random = new Random(20261123);
        var accepted = 0;
        var rejected = 0;
        for (var i = 0; i < InputsPerRun; i++)
        {
            var input = Mutate(corpus[random.Next(corpus.Count)], random);
            var outcome = Task.Run(() => Check(input));
            var first = await Task.WhenAny(outcome, Task.Delay(HangWatchdog));
            Assert.True(first == outcome, $"input #{i} did not terminate");
            if (await outcome is { } failure)
            {
                Assert.Fail($"input #{i}: {failure}\n--- input ---\n{input}");
            }

            if (ParsesCleanly(input))
            {
                accepted++;
            }
            else
            {
                rejected++;
            }
        }

        // Both outcomes must be exercised, or the mutations are too weak or too strong.
        Assert.True(accepted > InputsPerRun / 20, $"only {accepted} inputs parsed");
        Assert.True(rejected > InputsPerRun / 20, $"only {rejected} inputs were rejected");
    }

    private static bool ParsesCleanly(string input)
    {
        try
        {
            DockerfileParser.Parse(input);
            return true;
        }
        catch (DockerfileException)
        {
            return false;
        }
    }

    /// <summary>Null when the input was handled correctly, else what went wrong.</summary>
    private static string? Check(string input)
    {
        try
        {
            var document = DockerfileParser.Parse(input);
            var lexer = new ShellLexer(document.EscapeToken);
            var env = new Dictionary<string, string> { ["a"] = "xyz", ["HOME"] = "/root" };
            foreach (var node in document.Syntax.Nodes)
            {
                try
                {
                    lexer.ProcessWords(node.ArgumentText, env);
                }
                catch (ShellExpansionException)
                {
                    // The lexer's own error for bad syntax: the planner turns it into IB1013.
                }
            }

            return null;
        }
        catch (DockerfileException e)
        {
            var unlocated = e.Diagnostics.FirstOrDefault(d => d.Span is null);
            return unlocated is null ? null : $"error without a location: {unlocated.Message}";
        }
        catch (Exception e)
        {
            return $"unexpected {e.GetType().Name}: {e.Message}\n{e.StackTrace}";
        }
    }

    private static string Mutate(string text, Random random)
    {
        var sb = new StringBuilder(text);
        var edits = 1 + random.Next(4);
        for (var e = 0; e < edits; e++)
        {
            var at = sb.Length == 0 ? 0 : random.Next(sb.Length + 1);
            switch (random.Next(6))
            {
                case 0:
                    sb.Length = at;
                    break;
                case 1 when sb.Length > 0:
                    var index = Math.Min(at, sb.Length - 1);
                    sb[index] = (char)(sb[index] ^ (1 << random.Next(7)));
                    break;
                case 2 when sb.Length > 0:
                    sb.Remove(Math.Min(at, sb.Length - 1), Math.Min(1 + random.Next(20), sb.Length - Math.Min(at, sb.Length - 1)));
                    break;
                default:
                    sb.Insert(at, Insertions[random.Next(Insertions.Length)]);
                    break;
            }
        }

        return sb.ToString();
    }
}
