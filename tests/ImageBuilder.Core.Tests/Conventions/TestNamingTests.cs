using System.Text.RegularExpressions;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Core.Tests.Conventions;

/// <summary>
/// The house's one test naming style (.editorconfig says it; naming rules cannot express it): every
/// test method in every test project is a sentence of at least two words joined by underscores,
/// starting with a capital — <c>A_failed_step_writes_no_cache_record</c>.
/// </summary>
public sealed partial class TestNamingTests
{
    [Fact]
    public void Every_test_method_is_named_as_an_underscored_sentence()
    {
        var offenders = new List<string>();
        var sources = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "tests"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal));
        var methods = 0;
        foreach (var file in sources)
        {
            foreach (Match match in TestMethod().Matches(File.ReadAllText(file)))
            {
                methods++;
                var name = match.Groups["name"].Value;
                if (!Sentence().IsMatch(name))
                {
                    offenders.Add($"{Path.GetRelativePath(RepoPaths.Root, file)}: {name}");
                }
            }
        }

        Assert.True(methods > 500, $"only {methods} test methods found: the scan no longer sees the tests");
        Assert.Empty(offenders);
    }

    [Theory]
    [InlineData("A_failed_step_writes_no_cache_record", true)]
    [InlineData("Chain_ids_follow_the_OCI_rule", true)]
    [InlineData("PlainTarIsExtractedIntoTheDestination", false)]
    [InlineData("Row", false)]
    [InlineData("a_lower_case_start", false)]
    public void The_sentence_rule_tells_the_styles_apart(string name, bool accepted) =>
        Assert.Equal(accepted, Sentence().IsMatch(name));

    /// <summary>A test attribute (xunit's or ours), then the method it marks, its name captured.</summary>
    [GeneratedRegex(@"\[(?:Fact|Theory|RootFact|RootTheory)\b[^\]]*\](?:\s*\[[^\]]*\])*\s*public\s+(?:async\s+)?(?:Task|void)\s+(?<name>\w+)\s*\(")]
    private static partial Regex TestMethod();

    [GeneratedRegex(@"^[A-Z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+$")]
    private static partial Regex Sentence();
}
