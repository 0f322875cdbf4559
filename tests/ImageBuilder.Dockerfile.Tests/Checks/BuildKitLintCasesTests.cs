using System.IO.Abstractions.TestingHelpers;
using System.Text.Json;
using ImageBuilder.Dockerfile.Checks;
using ImageBuilder.Dockerfile.Ignore;
using ImageBuilder.Dockerfile.Syntax;

namespace ImageBuilder.Dockerfile.Tests.Checks;

/// <summary>
/// BuildKit's own build-check cases (testdata/conformance/buildkit-lint): for every Dockerfile the
/// same rule hits, names and lines, as BuildKit's lint request gives.
/// </summary>
public sealed class BuildKitLintCasesTests
{
    // Lines BuildKit's own test states but never compares (its lint-request check compares rule names
    // and messages only): here ENV and LABEL are on lines 5 and 6 of the file. See EXCLUDED.md.
    private static readonly Dictionary<string, string[]> Corrections = new()
    {
        ["LegacyKeyValueFormat-3"] = ["5 LegacyKeyValueFormat", "6 LegacyKeyValueFormat"],
    };

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var element in Load().EnumerateArray())
        {
            data.Add(element.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Each_case_gives_the_same_rule_hits_as_BuildKit(string name)
    {
        var lintCase = Load().EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
        var report = Check(lintCase);

        var expected = lintCase.GetProperty("expected").EnumerateArray()
            .Select(h => $"{h.GetProperty("line").GetInt32()} {h.GetProperty("rule").GetString()}").Order(StringComparer.Ordinal).ToList();
        if (Corrections.TryGetValue(name, out var corrected))
        {
            expected = [.. corrected];
        }

        var actual = report.Warnings.Select(w => $"{w.Span.StartLine} {w.Rule.Name}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, actual);
        Assert.Equal(lintCase.TryGetProperty("lintError", out _), report.Failed);
    }

    internal static CheckReport Check(JsonElement lintCase)
    {
        var tree = SyntaxParser.Parse(lintCase.GetProperty("dockerfile").GetString()!, []);
        var files = new MockFileSystem();
        files.AddDirectory("/ctx");
        if (lintCase.TryGetProperty("dockerignore", out var ignore))
        {
            files.AddFile("/ctx/.dockerignore", new MockFileData(ignore.GetString()!));
        }

        var buildArgs = lintCase.TryGetProperty("buildArgs", out var args)
            ? args.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!)
            : [];
        var input = new CheckInput
        {
            BuildArgs = buildArgs,
            CheckOption = lintCase.TryGetProperty("checkOption", out var option) ? option.GetString() : null,
            Ignore = DockerIgnoreFile.Load(files, "/ctx", "/ctx/Dockerfile"),
            // The environment of the base images the cases use, as their image configs give it.
            BaseImageEnv = image => image.Split(':')[0] is "alpine" or "busybox" ? ["PATH"] : null,
        };
        return BuildChecker.Run(tree, input);
    }

    private static JsonElement Load() =>
        JsonDocument.Parse(File.ReadAllText(TestData.Path("conformance", "buildkit-lint", "cases.json"))).RootElement;
}
