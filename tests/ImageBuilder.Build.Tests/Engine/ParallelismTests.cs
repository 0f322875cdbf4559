using ImageBuilder.Build.Engine;
using ImageBuilder.Build.Tests.Engine.Fakes;
using static ImageBuilder.Build.Tests.Engine.EngineHarness;

namespace ImageBuilder.Build.Tests.Engine;

/// <summary>Stages run as their own tasks, bounded by --jobs; only the stages the target needs run.</summary>
public sealed class ParallelismTests
{
    private const string TwoStages = """
        FROM base AS a
        RUN make-a
        FROM base AS b
        RUN make-b
        FROM scratch
        COPY --from=a /a /a
        COPY --from=b /b /b
        """;

    /// <summary>The RUNs of <see cref="TwoStages"/>, each blocking until released.</summary>
    private static (FakeCommand A, FakeCommand B) BlockingStages(EngineHarness harness) =>
        (harness.Runner.On("make-a").Writes("a", "A").Blocks(), harness.Runner.On("make-b").Writes("b", "B").Blocks());

    [Fact]
    public async Task Two_independent_stages_run_their_steps_at_once_with_two_jobs()
    {
        using var harness = new EngineHarness();
        var (a, b) = BlockingStages(harness);

        var build = harness.BuildAsync(TwoStages, engine: new EngineOptions { Jobs = 2 });
        await Within(Task.WhenAll(a.Started, b.Started));
        a.Release();
        b.Release();
        await Within(build);

        Assert.Equal(2, harness.Runner.MostAtOnce);
    }

    [Fact]
    public async Task With_one_job_no_two_steps_ever_run_at_once()
    {
        using var harness = new EngineHarness();
        var (a, b) = BlockingStages(harness);

        var build = harness.BuildAsync(TwoStages, engine: new EngineOptions { Jobs = 1 });
        var first = await Within(Task.WhenAny(a.Started, b.Started));
        var (running, waiting) = first == a.Started ? (a, b) : (b, a);
        Assert.False(waiting.Started.IsCompleted);
        running.Release();
        await Within(waiting.Started);
        waiting.Release();
        await Within(build);

        Assert.Equal(1, harness.Runner.MostAtOnce);
        Assert.Equal(2, harness.Runner.Runs.Count);
    }

    [Fact]
    public async Task Unused_stages_never_run()
    {
        using var harness = new EngineHarness();

        await harness.BuildAsync("""
            FROM base AS unused
            RUN never
            FROM base AS used
            RUN used
            FROM used
            RUN final
            """);

        Assert.Equal(["used", "final"], harness.Runner.Commands);
    }

    [Fact]
    public async Task A_target_stage_builds_only_what_it_needs()
    {
        using var harness = new EngineHarness();

        await harness.BuildAsync("""
            FROM base AS build
            RUN compile
            FROM base
            RUN package
            """, new Planning.PlanOptions { Target = "build" });

        Assert.Equal(["compile"], harness.Runner.Commands);
    }

    [Fact]
    public async Task A_COPY_from_a_stage_waits_for_that_stage_and_reads_its_layers()
    {
        using var harness = new EngineHarness();
        var make = harness.Runner.On("make").Writes("out/app", "binary").Blocks();

        var build = harness.BuildAsync("""
            FROM base AS build
            RUN make
            FROM scratch
            COPY --from=build /out/app /app
            """);
        await Within(make.Started);
        Assert.Empty(harness.Files.Copies);
        make.Release();
        await Within(build);

        var copy = Assert.Single(harness.Files.Copies);
        Assert.NotNull(copy.SourceLayers);
        Assert.Equal("binary", harness.Layers.Commits.Last()["app"]);
    }

    [Fact]
    public async Task A_stage_built_on_another_stage_runs_over_its_layers()
    {
        using var harness = new EngineHarness();
        harness.Runner.On("first").Writes("one", "1");

        await harness.BuildAsync("""
            FROM base AS first
            RUN first
            FROM first
            RUN second
            """);

        Assert.Empty(harness.Runner.Run("first").Root.LowerDirs);
        var lowers = harness.Runner.Run("second").Root.LowerDirs;
        Assert.Single(lowers);
        Assert.True(File.Exists(Path.Combine(lowers[0], "one")));
    }

    [Fact]
    public async Task A_RUN_mounts_the_layers_below_it_top_first()
    {
        using var harness = new EngineHarness();
        harness.Runner.On("one").Writes("1", "1");
        harness.Runner.On("two").Writes("2", "2");

        await harness.BuildAsync("FROM scratch\nRUN one\nRUN two\nRUN three\n");

        Assert.Equal([["2"], ["1"]], harness.Runner.Seen["three"]);
    }
}
