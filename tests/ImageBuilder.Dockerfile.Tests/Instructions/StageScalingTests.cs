using ImageBuilder.Dockerfile.Syntax;

namespace ImageBuilder.Dockerfile.Tests.Instructions;

/// <summary>
/// Many stages stay linear: each FROM's name is checked against the names before it by lookup,
/// not by a scan of every earlier stage (that scan made <c>check</c> of 100,000 stages take minutes).
/// Counted through the stage-name comparer, never timed.
/// </summary>
public sealed class StageScalingTests
{
    private sealed class CountingComparer : IEqualityComparer<string>
    {
        public long Calls { get; private set; }

        public bool Equals(string? x, string? y)
        {
            Calls++;
            return StringComparer.Ordinal.Equals(x, y);
        }

        public int GetHashCode(string obj)
        {
            Calls++;
            return StringComparer.Ordinal.GetHashCode(obj);
        }
    }

    private static long NameComparisons(int stages)
    {
        var text = string.Concat(Enumerable.Range(0, stages).Select(i => $"FROM scratch AS s{i}\nRUN true\n"));
        var diagnostics = new List<Diagnostic>();
        var syntax = SyntaxParser.Parse(text, diagnostics);
        var comparer = new CountingComparer();

        var document = DockerfileParser.Parse(syntax, diagnostics, comparer);

        Assert.Equal(stages, document.Stages.Count);
        return comparer.Calls;
    }

    [Fact]
    public void Checking_stage_names_costs_a_constant_number_of_comparisons_per_stage()
    {
        var small = NameComparisons(5_000);
        var large = NameComparisons(20_000);

        // A scan of the earlier stages costs n²/2 comparisons: 12.5 million for 5,000 stages, 16 times that for 4 times the stages.
        Assert.True(small <= 2 * 5_000, $"{small} comparisons for 5,000 stages");
        Assert.True(large <= 2 * 20_000, $"{large} comparisons for 20,000 stages");
    }

    [Fact]
    public void A_duplicate_among_many_stages_is_still_found_and_points_at_the_first()
    {
        var text = string.Concat(Enumerable.Range(0, 1_000).Select(i => $"FROM scratch AS s{i}\n")) + "FROM scratch AS S17\n";

        var error = Assert.Throws<DockerfileException>(() => DockerfileParser.Parse(text));

        var diagnostic = Assert.Single(error.Diagnostics);
        Assert.Equal(ErrorCode.InvalidStageName, diagnostic.Code);
        Assert.Equal(1_001, diagnostic.Span!.Value.StartLine);
        Assert.Contains("already defined at line 18", diagnostic.Hint);
    }
}
