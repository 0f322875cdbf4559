using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Tracing;

namespace ImageBuilder.Build.Tests.Engine;

/// <summary>What <c>--trace</c> shows of a build's steps: a span per step on its stage's track, and the phases measured inside it.</summary>
public sealed class TraceTests
{
    private const string Dockerfile = """
        FROM base
        COPY app.txt /app/
        RUN build
        """;

    [Fact]
    public async Task A_run_step_that_misses_has_run_pack_and_snapshot_phases_with_bytes_and_writes_no_blob()
    {
        using var harness = WithContext();

        var trace = await TracedBuildAsync(harness);

        var run = Step(trace, "RUN build");
        Assert.Contains(new KeyValuePair<string, object>("cached", false), run.Args);
        var phases = PhasesOf(trace, run);
        Assert.Equal(false, Arg(Assert.Single(phases, p => p.Name == "cache lookup"), "hit"));
        Assert.Equal(0L, Arg(Assert.Single(phases, p => p.Name == "run"), "exitCode"));
        var pack = Assert.Single(phases, p => p.Name == "pack");
        Assert.True((long)Arg(pack, "tarBytes")! > 0);
        Assert.True((long)Arg(pack, "blobBytes")! > 0);
        Assert.True((long)Arg(pack, "entries")! > 0);
        Assert.DoesNotContain(phases, p => p.Name == "blob");
        Assert.Single(phases, p => p.Name == "snapshot");
        Assert.Contains(phases, p => p.Name == "durability" && Equals(Arg(p, "call"), "fsync tree"));
        Assert.Single(trace.Events, p => p.Name == "context hashing" && p.Step == Step(trace, "COPY app.txt /app/").Name);
        Assert.All(phases, p => Assert.Equal(run.Track, p.Track));
        Assert.All(phases, p => Assert.InRange(p.Start, run.Start, run.End));
    }

    [Fact]
    public async Task A_cached_step_has_a_cache_lookup_and_nothing_that_runs_or_packs()
    {
        using var harness = WithContext();
        await harness.BuildAsync(Dockerfile);

        var trace = await TracedBuildAsync(harness);

        foreach (var title in new[] { "COPY app.txt /app/", "RUN build" })
        {
            var step = Step(trace, title);
            Assert.Contains(new KeyValuePair<string, object>("cached", true), step.Args);
            var phases = PhasesOf(trace, step);
            Assert.Equal(true, Arg(Assert.Single(phases, p => p.Name == "cache lookup"), "hit"));
            Assert.DoesNotContain(phases, p => p.Name is "run" or "copy" or "pack" or "blob" or "snapshot" or "slot wait");
        }
    }

    [Fact]
    public async Task A_failed_step_is_marked_failed_in_the_trace()
    {
        using var harness = WithContext();
        harness.Runner.On("build").Exits(2);

        var trace = new BuildTrace();
        using (trace.Activate())
        {
            await Assert.ThrowsAsync<BuildException>(() => harness.BuildAsync(Dockerfile));
        }

        var run = Step(trace, "RUN build");
        Assert.Contains(run.Args, a => a.Key == "failed" && a.Value is string message && message.Contains("code 2", StringComparison.Ordinal));
        Assert.Equal(2L, Arg(Assert.Single(PhasesOf(trace, run), p => p.Name == "run"), "exitCode"));
    }

    private static EngineHarness WithContext()
    {
        var harness = new EngineHarness();
        harness.WriteContext("app.txt", "v1");
        harness.Runner.On("build").Writes("out", "o");
        return harness;
    }

    private static async Task<BuildTrace> TracedBuildAsync(EngineHarness harness)
    {
        var trace = new BuildTrace();
        using (trace.Activate())
        {
            await harness.BuildAsync(Dockerfile);
        }

        return trace;
    }

    private static TraceEvent Step(BuildTrace trace, string instruction) =>
        Assert.Single(trace.Events, e => e.Category == TraceCategory.Step && e.Name.EndsWith(instruction, StringComparison.Ordinal));

    private static List<TraceEvent> PhasesOf(BuildTrace trace, TraceEvent step) =>
        trace.Events.Where(e => e.Category != TraceCategory.Step && e.Step == step.Name).ToList();

    private static object? Arg(TraceEvent span, string name) => span.Args.FirstOrDefault(a => a.Key == name).Value;
}
