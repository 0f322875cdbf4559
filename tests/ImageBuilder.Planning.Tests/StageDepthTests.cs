using ImageBuilder.Core.Oci;
using ImageBuilder.Dockerfile;

namespace ImageBuilder.Planning.Tests;

/// <summary>
/// Planning recurses once per stage a stage builds on. A long chain plans (each level costs O(1),
/// not a copy of the path), and one too deep for the planner's stack is a located error, never
/// a stack overflow that kills the process.
/// </summary>
public sealed class StageDepthTests
{
    private sealed class NoImages : IImageSource
    {
        public Task<BaseImage?> FindAsync(string reference, Platform platform, CancellationToken cancellationToken) => Task.FromResult<BaseImage?>(null);
    }

    private static string Chain(int stages, bool copy) => "FROM scratch AS s0\n" + string.Concat(Enumerable.Range(1, stages - 1).Select(i => copy
        ? $"FROM scratch AS s{i}\nCOPY --from=s{i - 1} / /\n"
        : $"FROM s{i - 1} AS s{i}\n"));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_chain_of_20000_stages_plans_every_stage_dependencies_first(bool copy)
    {
        var plan = new Planner(new NoImages()).PlanNow(DockerfileParser.Parse(Chain(20_000, copy)), new PlanOptions());

        Assert.Equal(Enumerable.Range(0, 20_000), plan.Stages.Select(s => s.Index));
    }

    [Fact]
    public void A_chain_deeper_than_the_stack_holds_is_a_located_error()
    {
        var planner = new Planner(new NoImages()) { StackBytes = 1024 * 1024 };

        var error = Assert.Throws<DockerfileException>(() => planner.PlanNow(DockerfileParser.Parse(Chain(20_000, copy: false)), new PlanOptions()));

        Assert.Equal(ErrorCode.UnknownStage, error.Code);
        Assert.Contains("too deeply", error.Message);
        Assert.NotNull(error.Span);
    }

    [Fact]
    public void A_cycle_is_still_named_from_the_target()
    {
        var text = "FROM scratch AS a\nCOPY --from=b / /\nFROM scratch AS b\nCOPY --from=a / /\nFROM scratch\nCOPY --from=a / /\n";

        var error = Assert.Throws<DockerfileException>(() => new Planner(new NoImages()).PlanNow(DockerfileParser.Parse(text), new PlanOptions()));

        Assert.Equal(ErrorCode.UnknownStage, error.Code);
        Assert.Contains("cycle: a -> b -> a", error.Message);
    }
}
