using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary><c>ibuild build --trace FILE</c> for real: the file Perfetto opens, with each step's phases and their bytes.</summary>
public sealed class BuildTraceTests : IDisposable
{
    private readonly BuildFixture fixture = new();
    private readonly TempDirectory traces = new("ibuild-it-trace-");

    public void Dispose()
    {
        fixture.Dispose();
        traces.Dispose();
    }

    [RootFact]
    public async Task A_traced_build_writes_each_steps_phases_with_bytes_as_trace_event_json()
    {
        await fixture.ImportBaseAsync();
        fixture.Write("app.txt", new string('a', 100_000));
        var path = traces.Combine("build.json");

        (await fixture.BuildAsync("FROM box:1\nCOPY app.txt /app/\nRUN head -c 200000 /dev/zero > /big\n", "-t", "t:1", "--trace", path)).Ok();

        using var json = JsonDocument.Parse(File.ReadAllBytes(path));
        var spans = Spans(json);
        var copy = PhasesOf(spans, "COPY app.txt /app/");
        Assert.Subset(copy.Select(Name).ToHashSet(), new HashSet<string> { "cache lookup", "context hashing", "copy", "mount", "pack", "snapshot", "durability" });
        Assert.True(Long(Single(copy, "context hashing"), "bytesHashed") >= 100_000);
        var run = PhasesOf(spans, "RUN head -c 200000 /dev/zero > /big");
        Assert.Subset(run.Select(Name).ToHashSet(),
            new HashSet<string> { "cache lookup", "run", "sandbox setup", "mount", "init start", "process", "pack", "snapshot", "durability" });
        Assert.True(Long(Single(run, "pack"), "tarBytes") > 200_000);
        Assert.DoesNotContain(run, s => Name(s) == "blob"); // the layer blob is written when first read, not by the build
        Assert.Contains(run, s => Name(s) == "durability" && s.GetProperty("args").GetProperty("call").GetString() == "fsync tree");
        foreach (var name in new[] { "build", "open store", "plan", "steps", "image commit", "name" })
        {
            Assert.Contains(spans, s => Name(s) == name && s.GetProperty("tid").GetInt32() == 1);
        }

        Assert.Empty(Directory.GetFiles(traces.Path, "*.tmp"));
    }

    [RootFact]
    public async Task A_failing_build_still_writes_a_whole_trace_that_marks_the_failed_step()
    {
        await fixture.ImportBaseAsync();
        var path = traces.Combine("failed.json");

        var result = await fixture.BuildAsync("FROM box:1\nRUN echo about to fail && exit 3\n", "--trace", path);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("IB2004", result.Stderr);
        using var json = JsonDocument.Parse(File.ReadAllBytes(path));
        var step = Assert.Single(Spans(json), s => s.GetProperty("cat").GetString() == "step" && Name(s).EndsWith("RUN echo about to fail && exit 3", StringComparison.Ordinal));
        Assert.Contains("code 3", step.GetProperty("args").GetProperty("failed").GetString());
        Assert.Equal(3, Long(Single(PhasesOf(Spans(json), "RUN echo about to fail && exit 3"), "run"), "exitCode"));
        fixture.AssertNothingLeft();
    }

    [RootFact]
    public async Task A_build_interrupted_by_sigint_writes_a_whole_trace_that_marks_the_step_canceled()
    {
        await fixture.ImportBaseAsync();
        fixture.Write("Dockerfile", "FROM box:1\nRUN sleep 1004\n");
        var path = traces.Combine("canceled.json");
        using var process = Process.Start(Tools.IbuildProcess("--root", fixture.Store, "build", "--progress", "plain", "--trace", path, fixture.Context))!;
        await ProcessTable.WaitForAsync(() => Tools.ProcessesRunning("sleep 1004").Count > 0);

        (await Tools.Run("kill", "-INT", process.Id.ToString(CultureInfo.InvariantCulture))).Ok();
        await process.WaitForExitAsync();

        Assert.Equal(130, process.ExitCode);
        using var json = JsonDocument.Parse(File.ReadAllBytes(path));
        var step = Assert.Single(Spans(json), s => s.GetProperty("cat").GetString() == "step" && Name(s).EndsWith("RUN sleep 1004", StringComparison.Ordinal));
        Assert.Equal("canceled", step.GetProperty("args").GetProperty("failed").GetString());
        Assert.Contains(PhasesOf(Spans(json), "RUN sleep 1004"), s => Name(s) == "process");
        Assert.Empty(Directory.GetFiles(traces.Path, "*.tmp"));
        fixture.AssertNothingLeft();
    }

    [RootFact]
    public async Task A_trace_into_a_missing_directory_is_refused_before_the_build()
    {
        await fixture.ImportBaseAsync();
        var result = await fixture.BuildAsync("FROM box:1\nRUN true\n", "--trace", traces.Combine("missing", "t.json"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--trace", result.Stderr);
        Assert.DoesNotContain("#1", result.Stderr);
    }

    private static List<JsonElement> Spans(JsonDocument json) =>
        json.RootElement.GetProperty("traceEvents").EnumerateArray().Where(e => e.GetProperty("ph").GetString() == "X").ToList();

    /// <summary>The spans inside the step whose title ends with <paramref name="instruction"/> (they carry its title).</summary>
    private static List<JsonElement> PhasesOf(List<JsonElement> spans, string instruction) =>
        spans.Where(s => s.GetProperty("args").TryGetProperty("step", out var step) && step.GetString()!.EndsWith(instruction, StringComparison.Ordinal)).ToList();

    private static string Name(JsonElement span) => span.GetProperty("name").GetString()!;

    private static JsonElement Single(List<JsonElement> spans, string name) => Assert.Single(spans, s => Name(s) == name);

    private static long Long(JsonElement span, string arg) => span.GetProperty("args").GetProperty(arg).GetInt64();
}
