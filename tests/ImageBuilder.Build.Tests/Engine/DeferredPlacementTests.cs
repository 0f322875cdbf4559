using ImageBuilder.Build.Engine;
using static ImageBuilder.Build.Tests.Engine.EngineHarness;

namespace ImageBuilder.Build.Tests.Engine;

/// <summary>
/// A RUN followed by a RUN: its layer is hashed and made durable beside the next RUN, which runs
/// on it where it was written; it moves into place, and is cached, once that RUN is done.
/// </summary>
public sealed class DeferredPlacementTests
{
    private const string TwoRuns = "FROM scratch\nRUN one\nRUN two\n";

    private static EngineHarness WithTwoRuns()
    {
        var harness = new EngineHarness();
        harness.Runner.On("one").Writes("1", "1");
        harness.Runner.On("two").Writes("2", "2");
        return harness;
    }

    [Fact]
    public async Task The_second_RUN_runs_on_the_first_s_layer_in_scratch_which_is_then_placed_and_cached()
    {
        using var harness = WithTwoRuns();

        var first = await harness.BuildAsync(TwoRuns);

        var below = harness.Runner.Run("two").Root.LowerDirs[0];
        Assert.StartsWith(Scratch(harness) + "/", below, StringComparison.Ordinal);
        Assert.Equal([["1"]], harness.Runner.Seen["two"]);
        Assert.Equal([below], harness.Layers.Deferred);
        Assert.False(Directory.Exists(below));
        Assert.Equal(2, harness.Snapshots);
        Assert.Empty(harness.Store.ListScratch());

        harness.Runner.Runs.Clear();
        var second = await harness.BuildAsync(TwoRuns);

        Assert.Empty(harness.Runner.Runs);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(2, first.Config.RootFs.DiffIds.Count);
    }

    [Fact]
    public async Task Only_a_RUN_directly_followed_by_a_RUN_waits()
    {
        using var harness = WithTwoRuns();
        harness.WriteContext("a.txt", "a");

        await harness.BuildAsync("FROM scratch\nRUN one\nENV X=1\nRUN two\nCOPY a.txt /\n");

        Assert.Empty(harness.Layers.Deferred);
        Assert.Equal([["1"]], harness.Runner.Seen["two"]);
        Assert.Empty(harness.Store.ListScratch());
    }

    [Fact]
    public async Task When_the_second_RUN_fails_the_first_is_still_cached_and_no_scratch_is_left()
    {
        using var harness = WithTwoRuns();
        harness.Runner.On("two").Exits(1);

        await Assert.ThrowsAsync<BuildException>(() => harness.BuildAsync(TwoRuns));

        Assert.Empty(harness.Store.ListScratch());
        harness.Runner.On("two").Exits(0);
        harness.Runner.Runs.Clear();
        await harness.BuildAsync(TwoRuns);
        Assert.Equal(["two"], harness.Runner.Commands);
        Assert.Equal([["1"]], harness.Runner.Seen["two"]);
    }

    [Fact]
    public async Task A_build_cancelled_while_the_second_RUN_runs_leaves_no_scratch()
    {
        using var harness = WithTwoRuns();
        var two = harness.Runner.On("two").Blocks();
        using var cancel = new CancellationTokenSource();

        var build = harness.BuildAsync(TwoRuns, cancellationToken: cancel.Token);
        await Within(two.Started);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Within(build));
        Assert.Empty(harness.Store.ListScratch());

        // The first RUN's layer was packed: it is cached all the same.
        two.Release();
        harness.Runner.Runs.Clear();
        await harness.BuildAsync(TwoRuns);
        Assert.Equal(["two"], harness.Runner.Commands);
    }

    [Fact]
    public async Task A_deferred_commit_that_fails_is_the_first_RUN_s_error_and_the_second_is_canceled()
    {
        using var harness = WithTwoRuns();
        harness.Layers.FailWhen = upper => File.Exists(Path.Combine(upper, "1")) ? new IOException("disk full") : null;

        var error = await Assert.ThrowsAsync<IOException>(() => harness.BuildAsync(TwoRuns));

        Assert.Equal("disk full", error.Message);
        Assert.Equal(
            [("RUN one", "disk full"), ("RUN two", "canceled")],
            harness.Progress.FailedSteps.Select(f => (f.Title[(f.Title.IndexOf(']', StringComparison.Ordinal) + 2)..], f.Message)));
        Assert.Empty(harness.Store.ListScratch());
        Assert.Equal(0, harness.CacheRecords);
    }

    [Fact]
    public async Task The_first_RUN_s_history_time_is_when_its_process_ended_not_when_the_second_did()
    {
        using var harness = WithTwoRuns();
        var two = harness.Runner.On("two").Blocks();

        var build = harness.BuildAsync(TwoRuns);
        await Within(two.Started);
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        two.Release();
        var image = await Within(build);

        var created = image.Config.History!.Select(h => DateTimeOffset.Parse(h.Created!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(created[^1] - created[^2] >= TimeSpan.FromSeconds(1), $"{created[^2]:O} then {created[^1]:O}");
    }

    private static string Scratch(EngineHarness harness) => Path.Combine(harness.Store.Root, "ibuild", "tmp");
}
