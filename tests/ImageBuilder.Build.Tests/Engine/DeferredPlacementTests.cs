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
        Assert.Empty(Directory.EnumerateFileSystemEntries(Scratch(harness)));

        harness.Runner.Runs.Clear();
        var second = await harness.BuildAsync(TwoRuns);

        Assert.Empty(harness.Runner.Runs);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(2, first.Config.RootFs.DiffIds.Count);
    }

    [Fact]
    public async Task Only_a_RUN_followed_by_a_RUN_waits_and_the_image_is_the_same_as_without()
    {
        using var harness = WithTwoRuns();
        harness.WriteContext("a.txt", "a");

        await harness.BuildAsync("FROM scratch\nRUN one\nENV X=1\nRUN two\nCOPY a.txt /\n");

        Assert.Empty(harness.Layers.Deferred);
        Assert.Equal([["1"]], harness.Runner.Seen["two"]);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Scratch(harness)));
    }

    [Fact]
    public async Task When_the_second_RUN_fails_the_first_is_still_cached_and_no_scratch_is_left()
    {
        using var harness = WithTwoRuns();
        harness.Runner.On("two").Exits(1);

        await Assert.ThrowsAsync<BuildException>(() => harness.BuildAsync(TwoRuns));

        Assert.Empty(Directory.EnumerateFileSystemEntries(Scratch(harness)));
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
        Assert.Empty(Directory.EnumerateFileSystemEntries(Scratch(harness)));
    }

    private static string Scratch(EngineHarness harness) => Path.Combine(harness.Store.Root, "ibuild", "tmp");
}
