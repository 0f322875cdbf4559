using ImageBuilder.Build.Engine;
using static ImageBuilder.Build.Tests.Engine.EngineHarness;

namespace ImageBuilder.Build.Tests.Engine;

/// <summary>A failed step is reported located, with its code; it cancels the rest, and nothing half-done is cached.</summary>
public sealed class FailureTests
{
    [Fact]
    public async Task A_failed_RUN_is_IB2004_at_its_line_with_the_last_output()
    {
        using var harness = new EngineHarness();
        harness.Runner.On("make").Prints("compiling\nerror: no\n").Exits(3);

        var error = await Assert.ThrowsAsync<BuildException>(() => harness.BuildAsync("FROM base\nRUN true\nRUN make\n"));

        Assert.Equal("Dockerfile:3:1: IB2004: RUN exited with code 3", error.Diagnostic.Format("Dockerfile"));
        Assert.Equal(["compiling", "error: no"], error.LastOutput);
    }

    [Fact]
    public async Task A_RUN_killed_by_a_signal_says_which()
    {
        using var harness = new EngineHarness();
        harness.Runner.On("spin").Exits(137, killedBy: 9);

        var error = await Assert.ThrowsAsync<BuildException>(() => harness.BuildAsync("FROM base\nRUN spin\n"));

        Assert.Equal("IB2004", error.Diagnostic.Code.Id());
        Assert.Equal("RUN was killed by signal 9", error.Message);
    }

    [Fact]
    public async Task A_RUN_the_OOM_killer_ended_names_the_memory_limit()
    {
        using var harness = new EngineHarness();
        harness.Runner.On("eat").Exits(137, killedBy: 9, oom: true);

        var error = await Assert.ThrowsAsync<BuildException>(() => harness.BuildAsync(
            "FROM base\nRUN eat\n", engine: new EngineOptions { Limits = new StepLimits(MemoryBytes: 64L << 20) }));

        Assert.Equal("RUN was killed by the kernel's OOM killer: memory limit 64 MiB", error.Message);
        Assert.Equal(64L << 20, harness.Runner.Run("eat").Limits?.MemoryBytes);
    }

    [Fact]
    public async Task A_RUN_whose_sandbox_cannot_start_is_IB2008()
    {
        using var harness = new EngineHarness();
        harness.Runner.On("x").CannotStart("/proc is not a directory");

        var error = await Assert.ThrowsAsync<BuildException>(() => harness.BuildAsync("FROM base\nRUN x\n"));

        Assert.Equal("Dockerfile:2:1: IB2008: RUN could not start: /proc is not a directory", error.Diagnostic.Format("Dockerfile"));
    }

    [Fact]
    public async Task A_RUN_whose_private_network_cannot_start_is_IB2012_with_the_runner_s_hint()
    {
        using var harness = new EngineHarness();
        harness.Runner.On("x").CannotStart("the private network needs slirp4netns", StepSetupFailure.Network, "install it");

        var error = await Assert.ThrowsAsync<BuildException>(() => harness.BuildAsync("FROM base\nRUN x\n"));

        Assert.Equal("Dockerfile:2:1: IB2012: RUN could not start: the private network needs slirp4netns", error.Diagnostic.Format("Dockerfile"));
        Assert.Equal("install it", error.Diagnostic.Hint);
    }

    [Fact]
    public async Task A_missing_COPY_source_is_IB2005_at_the_COPY()
    {
        using var harness = new EngineHarness();
        harness.WriteContext("present.txt", "here");

        var error = await Assert.ThrowsAsync<BuildException>(() => harness.BuildAsync("FROM base\nCOPY missing.txt /\n"));

        Assert.StartsWith("Dockerfile:2:1: IB2005: COPY failed: ", error.Diagnostic.Format("Dockerfile"));
        Assert.Contains("missing.txt", error.Message);
    }

    [Fact]
    public async Task An_unknown_chown_user_is_IB2007()
    {
        using var harness = new EngineHarness();
        harness.WriteContext("a.txt", "a");

        var error = await Assert.ThrowsAsync<BuildException>(() => harness.BuildAsync("FROM base\nCOPY --chown=nobody-here a.txt /\n"));

        Assert.Equal("IB2007", error.Diagnostic.Code.Id());
        Assert.StartsWith("COPY --chown: unable to find user nobody-here", error.Message);
    }

    [Fact]
    public async Task A_WORKDIR_for_an_unknown_user_is_IB2007_and_through_a_file_IB2005()
    {
        using var harness = new EngineHarness();
        harness.Runner.On("touch").Writes("file", "");

        var user = await Assert.ThrowsAsync<BuildException>(() => harness.BuildAsync("FROM base\nUSER ghost\nWORKDIR /w\n"));
        var file = await Assert.ThrowsAsync<BuildException>(() => harness.BuildAsync("FROM base\nRUN touch\nWORKDIR /file/sub\n"));

        Assert.Equal("Dockerfile:3:1: IB2007: WORKDIR: unable to find user ghost: no matching entries in passwd file", user.Diagnostic.Format("Dockerfile"));
        Assert.Equal("Dockerfile:3:1: IB2005: WORKDIR /file/sub: a part of the path exists and is not a directory", file.Diagnostic.Format("Dockerfile"));
    }

    [Fact]
    public async Task A_step_that_would_stack_more_layers_than_the_machine_can_is_IB2011_before_it_runs()
    {
        using var harness = new EngineHarness { MaxLowerLayers = 2 };
        harness.Runner.On("one").Writes("1", "");
        harness.Runner.On("two").Writes("2", "");

        var error = await Assert.ThrowsAsync<BuildException>(() => harness.BuildAsync("FROM scratch\nRUN one\nRUN two\nRUN three\nRUN four\n"));

        Assert.Equal("Dockerfile:4:1: IB2011: RUN would add layer 3, but overlayfs stacks at most 2 layers (OVL_MAX_STACK): the image could not be run",
            error.Diagnostic.Format("Dockerfile"));
        Assert.Equal(["one", "two"], harness.Runner.Commands);
    }

    [Fact]
    public async Task A_failed_step_writes_no_cache_record_blob_or_snapshot()
    {
        using var harness = new EngineHarness();
        await harness.BuildAsync("FROM base\nENV A=1\n");
        var (records, blobs, snapshots) = (harness.CacheRecords, harness.Blobs, harness.Snapshots);
        harness.Runner.On("fail").Writes("half", "done").Exits(1);

        await Assert.ThrowsAsync<BuildException>(() => harness.BuildAsync("FROM base\nENV A=1\nRUN fail\n"));

        Assert.Equal((records, blobs, snapshots), (harness.CacheRecords, harness.Blobs, harness.Snapshots));
        Assert.Empty(harness.Layers.Commits);
    }

    [Fact]
    public async Task A_canceled_build_writes_nothing_for_the_step_it_canceled()
    {
        using var harness = new EngineHarness();
        await harness.BuildAsync("FROM base\nENV A=1\n");
        var (records, blobs, snapshots) = (harness.CacheRecords, harness.Blobs, harness.Snapshots);
        var slow = harness.Runner.On("slow").Writes("half", "done").Blocks();
        using var cancel = new CancellationTokenSource();

        var build = harness.BuildAsync("FROM base\nENV A=1\nRUN slow\n", cancellationToken: cancel.Token);
        await Within(slow.Started);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Within(build));
        Assert.True(slow.Canceled.IsCompleted);
        Assert.Equal((records, blobs, snapshots), (harness.CacheRecords, harness.Blobs, harness.Snapshots));
    }

    [Fact]
    public async Task The_first_failure_cancels_a_step_running_in_another_stage_and_is_the_one_reported()
    {
        using var harness = new EngineHarness();
        var slow = harness.Runner.On("slow").Writes("half", "done").Blocks();
        harness.Runner.On("broken").After(slow.Started).Exits(2);
        var records = harness.CacheRecords;

        var build = harness.BuildAsync("""
            FROM base AS a
            RUN slow
            FROM base AS b
            RUN broken
            FROM scratch
            COPY --from=a /half /a
            COPY --from=b /x /b
            """);
        await Within(slow.Canceled);
        var error = await Assert.ThrowsAsync<BuildException>(() => Within(build));

        Assert.Equal("Dockerfile:4:1: IB2004: RUN exited with code 2", error.Diagnostic.Format("Dockerfile"));
        Assert.Empty(harness.Layers.Commits);
        Assert.Empty(harness.Files.Copies);
        Assert.Equal(records, harness.CacheRecords);
        Assert.Contains(harness.Progress.FailedSteps, f => f.Message == "canceled");
    }

    [Fact]
    public async Task Steps_done_before_a_failure_stay_cached_for_the_next_build()
    {
        using var harness = new EngineHarness();
        harness.Runner.On("setup").Writes("tools", "t");
        harness.Runner.On("test").Exits(1);
        await Assert.ThrowsAsync<BuildException>(() => harness.BuildAsync("FROM base\nRUN setup\nRUN test\n"));
        harness.Runner.On("test").Exits(0);
        harness.Runner.Runs.Clear();

        await harness.BuildAsync("FROM base\nRUN setup\nRUN test\n");

        Assert.Equal(["test"], harness.Runner.Commands);
    }
}
