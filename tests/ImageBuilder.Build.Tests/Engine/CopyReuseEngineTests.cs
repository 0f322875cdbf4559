using ImageBuilder.Build.Engine;

namespace ImageBuilder.Build.Tests.Engine;

/// <summary>
/// Which previous run a COPY from the context is handed: the last result of the same step on the
/// same parent (sources changed, nothing else), never one of another destination or options.
/// </summary>
public sealed class CopyReuseEngineTests
{
    private static EngineHarness WithContext()
    {
        var harness = new EngineHarness();
        harness.WriteContext("app.txt", "v1");
        return harness;
    }

    [Fact]
    public async Task A_copy_that_reruns_because_its_source_changed_starts_from_the_snapshot_its_last_run_made()
    {
        using var harness = WithContext();
        await harness.BuildAsync("FROM base\nCOPY app.txt /app/\n");
        var first = Assert.Single(harness.Files.Copies);
        Assert.Null(first.Reuse!.PreviousSnapshot); // the first run only records
        harness.Files.Copies.Clear();

        harness.WriteContext("app.txt", "v2");
        await harness.BuildAsync("FROM base\nCOPY app.txt /app/\n");

        var rerun = Assert.Single(harness.Files.Copies);
        Assert.NotNull(rerun.Reuse!.PreviousSnapshot);
        Assert.True(Directory.Exists(rerun.Reuse.PreviousSnapshot));
        Assert.NotNull(rerun.Reuse.Previous);
    }

    [Theory]
    [InlineData("COPY app.txt /elsewhere/")]
    [InlineData("COPY --chown=1:1 app.txt /app/")]
    [InlineData("COPY --chmod=600 app.txt /app/")]
    public async Task A_copy_with_another_destination_or_options_starts_from_nothing(string other)
    {
        using var harness = WithContext();
        harness.Files.KnownUsers.Add("1:1");
        await harness.BuildAsync("FROM base\nCOPY app.txt /app/\n");
        harness.Files.Copies.Clear();

        harness.WriteContext("app.txt", "v2");
        await harness.BuildAsync($"FROM base\n{other}\n");

        Assert.Null(Assert.Single(harness.Files.Copies).Reuse!.PreviousSnapshot);
    }

    [Fact]
    public async Task A_copy_from_another_stage_or_of_a_heredoc_has_no_memory()
    {
        using var harness = WithContext();

        await harness.BuildAsync("FROM base AS one\nCOPY app.txt /app/\nFROM base\nCOPY --from=one /app/app.txt /copied\nCOPY <<EOF /note\nhi\nEOF\n");

        Assert.Equal([true, false, false], harness.Files.Copies.Select(c => c.Reuse is not null));
    }
}
