using System.Text.Json;
using ImageBuilder.Core.Tracing;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Core.Tests.Tracing;

/// <summary>The build trace: spans where work happens, carried to the right track and step across tasks and threads, written as Chrome trace-event JSON.</summary>
public sealed class BuildTraceTests
{
    [Fact]
    public void A_trace_is_chrome_trace_event_json_with_complete_events_and_named_tracks()
    {
        var trace = new BuildTrace();
        using (trace.Activate())
        {
            using var phase = BuildTrace.Phase("plan").Arg("stages", 2).Arg("image", "box:1").Arg("hit", true).Arg("hashMs", TimeSpan.FromMilliseconds(1.5));
        }

        using var json = Written(trace);
        Assert.Equal("ms", json.RootElement.GetProperty("displayTimeUnit").GetString());
        var events = json.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
        Assert.Contains(events, e => e.GetProperty("ph").GetString() == "M" && e.GetProperty("name").GetString() == "process_name");
        Assert.Contains(events, e => e.GetProperty("ph").GetString() == "M" && e.GetProperty("name").GetString() == "thread_name"
            && e.GetProperty("tid").GetInt32() == BuildTrace.BuildTrack && e.GetProperty("args").GetProperty("name").GetString() == "build");
        var plan = Assert.Single(events, e => e.GetProperty("ph").GetString() == "X");
        Assert.Equal("plan", plan.GetProperty("name").GetString());
        Assert.Equal(TraceCategory.Phase, plan.GetProperty("cat").GetString());
        Assert.True(plan.GetProperty("ts").GetDouble() >= 0);
        Assert.True(plan.GetProperty("dur").GetDouble() >= 0);
        Assert.Equal(1, plan.GetProperty("pid").GetInt32());
        Assert.Equal(BuildTrace.BuildTrack, plan.GetProperty("tid").GetInt32());
        var args = plan.GetProperty("args");
        Assert.Equal(2, args.GetProperty("stages").GetInt64());
        Assert.Equal("box:1", args.GetProperty("image").GetString());
        Assert.True(args.GetProperty("hit").GetBoolean());
        Assert.Equal(1.5, args.GetProperty("hashMs").GetDouble());
    }

    [Fact]
    public void Phases_inside_a_step_nest_in_it_on_its_stage_track_and_carry_its_title()
    {
        var trace = new BuildTrace();
        using (trace.Activate())
        using (BuildTrace.Track("stage 0"))
        using (BuildTrace.Step("[1/2] RUN make"))
        using (BuildTrace.Phase("pack").Arg("tarBytes", 10240))
        {
        }

        using var json = Written(trace);
        var step = Complete(json, "[1/2] RUN make");
        var pack = Complete(json, "pack");
        Assert.Equal(TraceCategory.Step, step.GetProperty("cat").GetString());
        Assert.NotEqual(BuildTrace.BuildTrack, step.GetProperty("tid").GetInt32());
        Assert.Equal(step.GetProperty("tid").GetInt32(), pack.GetProperty("tid").GetInt32());
        Assert.True(pack.GetProperty("ts").GetDouble() >= step.GetProperty("ts").GetDouble());
        Assert.True(pack.GetProperty("ts").GetDouble() + pack.GetProperty("dur").GetDouble()
            <= step.GetProperty("ts").GetDouble() + step.GetProperty("dur").GetDouble() + 0.001);
        Assert.Equal("[1/2] RUN make", pack.GetProperty("args").GetProperty("step").GetString());
        Assert.Equal(10240, pack.GetProperty("args").GetProperty("tarBytes").GetInt64());
        Assert.Contains(json.RootElement.GetProperty("traceEvents").EnumerateArray(), e => e.GetProperty("name").GetString() == "thread_name"
            && e.GetProperty("tid").GetInt32() == step.GetProperty("tid").GetInt32() && e.GetProperty("args").GetProperty("name").GetString() == "stage 0");
    }

    [Fact]
    public async Task The_track_and_step_flow_into_tasks_and_threads_started_inside_the_step()
    {
        var trace = new BuildTrace();
        using (trace.Activate())
        using (BuildTrace.Track("stage 1"))
        using (BuildTrace.Step("COPY a /a"))
        {
            await Task.Run(() => BuildTrace.Phase("on a task").Dispose());
            var thread = new Thread(() => BuildTrace.Phase("on a thread").Dispose());
            thread.Start();
            thread.Join();
        }

        var step = Assert.Single(trace.Events, e => e.Name == "COPY a /a");
        foreach (var name in new[] { "on a task", "on a thread" })
        {
            var span = Assert.Single(trace.Events, e => e.Name == name);
            Assert.Equal(step.Track, span.Track);
            Assert.Equal("COPY a /a", span.Step);
        }
    }

    [Fact]
    public void Nothing_is_recorded_where_no_trace_is_active()
    {
        var trace = new BuildTrace();
        var phase = BuildTrace.Phase("pack").Arg("bytes", 1);
        BuildTrace.Annotate("cached", true);
        phase.Dispose();
        using (BuildTrace.Track("stage 0"))
        using (BuildTrace.Step("RUN x"))
        {
        }

        Assert.False(phase.IsRecording);
        Assert.False(BuildTrace.IsActive);
        Assert.Empty(trace.Events);
        using (trace.Activate())
        {
            Assert.True(BuildTrace.IsActive);
        }

        Assert.False(BuildTrace.IsActive);
    }

    [Fact]
    public void Annotate_sets_an_argument_on_the_innermost_open_span_and_a_span_ends_once()
    {
        var trace = new BuildTrace();
        using (trace.Activate())
        {
            using (BuildTrace.Step("RUN x"))
            {
                var lookup = BuildTrace.Phase("cache lookup");
                lookup.Dispose();
                lookup.Dispose();
                BuildTrace.Annotate("cached", true);
                BuildTrace.Annotate("layers", 3);
                BuildTrace.Annotate("failed", "exit 1");
            }
        }

        var step = Assert.Single(trace.Events, e => e.Name == "RUN x");
        Assert.Single(trace.Events, e => e.Name == "cache lookup");
        Assert.Contains(new KeyValuePair<string, object>("cached", true), step.Args);
        Assert.Contains(new KeyValuePair<string, object>("layers", 3L), step.Args);
        Assert.Contains(new KeyValuePair<string, object>("failed", "exit 1"), step.Args);
    }

    [Fact]
    public async Task Spans_of_one_track_that_overlap_without_nesting_are_written_on_another_row_of_it()
    {
        var trace = new BuildTrace();
        var firstOpen = new TaskCompletionSource();
        var secondOpen = new TaskCompletionSource();
        var firstClosed = new TaskCompletionSource();
        using (trace.Activate())
        {
            var first = Task.Run(async () =>
            {
                using (BuildTrace.Phase("blob a"))
                {
                    firstOpen.SetResult();
                    await secondOpen.Task;
                }

                firstClosed.SetResult();
            });
            var second = Task.Run(async () =>
            {
                await firstOpen.Task;
                using var span = BuildTrace.Phase("blob b");
                secondOpen.SetResult();
                await firstClosed.Task;
            });
            await Task.WhenAll(first, second);
        }

        using var json = Written(trace);
        var a = Complete(json, "blob a").GetProperty("tid").GetInt32();
        var b = Complete(json, "blob b").GetProperty("tid").GetInt32();
        Assert.Equal(BuildTrace.BuildTrack, a);
        Assert.NotEqual(a, b);
        Assert.Contains(json.RootElement.GetProperty("traceEvents").EnumerateArray(), e => e.GetProperty("name").GetString() == "thread_name"
            && e.GetProperty("tid").GetInt32() == b && e.GetProperty("args").GetProperty("name").GetString() == "build (2)");
    }

    [Fact]
    public void Writing_the_file_replaces_an_older_trace_whole_and_leaves_no_temporary_file()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("build.trace.json");
        File.WriteAllText(path, "not a trace");
        var trace = new BuildTrace();
        using (trace.Activate())
        using (BuildTrace.Phase("build"))
        {
        }

        TraceEventWriter.WriteFile(trace, path);

        using var json = JsonDocument.Parse(File.ReadAllBytes(path));
        Assert.Equal("build", Complete(json, "build").GetProperty("name").GetString());
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Writing_the_file_never_follows_a_link_planted_at_a_temporary_name_another_user_could_guess()
    {
        // Root's ibuild writing --trace /tmp/t.json beside a link another user planted must not
        // truncate the link's target (the temporary name once was PATH.ibuild-PID.tmp).
        using var dir = new TempDirectory();
        var path = dir.Combine("t.json");
        var victim = dir.Combine("victim");
        File.WriteAllText(victim, "precious");
        File.CreateSymbolicLink($"{path}.ibuild-{Environment.ProcessId}.tmp", victim);

        TraceEventWriter.WriteFile(new BuildTrace(), path);

        Assert.Equal("precious", File.ReadAllText(victim));
        using var json = JsonDocument.Parse(File.ReadAllBytes(path));
        Assert.True(json.RootElement.TryGetProperty("traceEvents", out _));
    }

    private static JsonDocument Written(BuildTrace trace)
    {
        using var output = new MemoryStream();
        TraceEventWriter.Write(trace, output);
        return JsonDocument.Parse(output.ToArray());
    }

    private static JsonElement Complete(JsonDocument json, string name) =>
        Assert.Single(json.RootElement.GetProperty("traceEvents").EnumerateArray(),
            e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("name").GetString() == name);
}
