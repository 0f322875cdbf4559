using System.Text.Json;

namespace ImageBuilder.Dockerfile.Tests.Shell;

/// <summary>
/// Reads the vendored BuildKit shell corpus (testdata/conformance/buildkit-shell) with the
/// rules its README.txt gives, which are the rules BuildKit's lex_test.go applies.
/// </summary>
internal static class BuildKitShellCorpus
{
    public static string FilePath(string name) => TestData.Path("conformance", "buildkit-shell", name);

    /// <summary>The environment envVarTest is evaluated in.</summary>
    public static IReadOnlyDictionary<string, string> EnvVarTestEnvironment { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["PWD"] = "/home",
        ["SHELL"] = "bash",
        ["KOREAN"] = "한국어",
        ["NULL"] = string.Empty,
    };

    /// <summary>Every case of envVarTest: platform letter (A, U or W), input and expected text ("error" = must fail).</summary>
    public static IReadOnlyList<EnvVarCase> EnvVarCases() => EnvVarCasesTable.Value;

    /// <summary>Every case of wordsTest with the environment in force at that line.</summary>
    public static IReadOnlyList<WordsCase> WordsCases() => WordsCasesTable.Value;

    public static JsonElement Json(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(FilePath(name)));
        return document.RootElement.Clone();
    }

    public static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    private static readonly Lazy<IReadOnlyList<EnvVarCase>> EnvVarCasesTable = new(() =>
    {
        var cases = new List<EnvVarCase>();
        var lineNumber = 0;
        foreach (var raw in ReadLines("envVarTest"))
        {
            lineNumber++;
            if (raw.StartsWith('#'))
            {
                continue;
            }

            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var fields = line.Split('|');
            if (fields.Length != 3)
            {
                throw new InvalidDataException($"envVarTest line {lineNumber} does not have exactly 3 fields");
            }

            var platform = fields[0].Trim();
            if (platform is not ("A" or "U" or "W"))
            {
                throw new InvalidDataException($"envVarTest line {lineNumber} has unknown platform '{platform}'");
            }

            cases.Add(new EnvVarCase(lineNumber, platform, fields[1].Trim(), fields[2].Trim()));
        }

        return cases;
    });

    private static readonly Lazy<IReadOnlyList<WordsCase>> WordsCasesTable = new(() =>
    {
        var cases = new List<WordsCase>();
        var env = new List<string>();
        var lineNumber = 0;
        foreach (var line in ReadLines("wordsTest"))
        {
            lineNumber++;
            if (line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith("ENV ", StringComparison.Ordinal))
            {
                env.Add(line[3..].TrimStart(' '));
                continue;
            }

            var fields = line.Split('|');
            if (fields.Length != 2)
            {
                throw new InvalidDataException($"wordsTest line {lineNumber} does not have exactly one '|'");
            }

            cases.Add(new WordsCase(lineNumber, [.. env], fields[0].Trim(), fields[1].TrimStart(' ').Split(',')));
        }

        return cases;
    });

    // Lines as Go's bufio.Scanner yields them: split at '\n', one trailing '\r' dropped.
    private static IEnumerable<string> ReadLines(string name)
    {
        var text = File.ReadAllText(FilePath(name));
        var lines = text.Split('\n');
        var count = text.EndsWith('\n') ? lines.Length - 1 : lines.Length;
        for (var i = 0; i < count; i++)
        {
            yield return lines[i].EndsWith('\r') ? lines[i][..^1] : lines[i];
        }
    }
}

internal sealed record EnvVarCase(int Line, string Platform, string Input, string Expected);

internal sealed record WordsCase(int Line, string[] Env, string Input, string[] Expected);
