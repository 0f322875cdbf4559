using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Oci;
using ImageBuilder.Planning;

namespace ImageBuilder.Build.Tests.Engine;

/// <summary>A step's cache key: what it does and everything it reads; a hit reuses the recorded layer, and a miss misses from there on.</summary>
public sealed class CacheTests
{
    private const string Dockerfile = """
        FROM base
        ARG VERSION=1
        RUN fetch
        COPY app.txt /app/
        RUN build
        CMD ["app"]
        """;

    private static EngineHarness WithContext()
    {
        var harness = new EngineHarness();
        harness.WriteContext("app.txt", "v1");
        harness.WriteContext("README", "about");
        harness.Runner.On("fetch").Writes("deps", "d");
        harness.Runner.On("build").Writes("out", "o");
        return harness;
    }

    /// <summary>A harness that has built <see cref="Dockerfile"/> once.</summary>
    private static async Task<EngineHarness> BuiltOnceAsync()
    {
        var harness = WithContext();
        await harness.BuildAsync(Dockerfile);
        return harness;
    }

    private static async Task RebuildAsync(EngineHarness harness, string dockerfile = Dockerfile, PlanOptions? plan = null, EngineOptions? engine = null)
    {
        harness.Runner.Runs.Clear();
        harness.Files.Copies.Clear();
        await harness.BuildAsync(dockerfile, plan, engine);
    }

    [Fact]
    public async Task A_second_build_hits_the_cache_at_every_step_and_makes_the_same_image()
    {
        using var harness = WithContext();
        var first = await harness.BuildAsync(Dockerfile);
        var records = harness.CacheRecords;

        var second = await harness.BuildAsync(Dockerfile);

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(first.Manifest.Digest, second.Manifest.Digest);
        Assert.Equal(["fetch", "build"], harness.Runner.Commands);
        Assert.Single(harness.Files.Copies);
        Assert.Equal(["RUN fetch", "COPY app.txt /app/", "RUN build"], harness.Progress.CachedSteps.Select(s => s.Split(']')[^1].Trim()));
        Assert.Equal(records, harness.CacheRecords);
    }

    [Fact]
    public async Task No_cache_runs_every_step_again()
    {
        using var harness = await BuiltOnceAsync();

        await RebuildAsync(harness, engine: new EngineOptions { NoCache = true });

        Assert.Equal(["fetch", "build"], harness.Runner.Commands);
        Assert.Single(harness.Files.Copies);
        Assert.Empty(harness.Progress.CachedSteps);
    }

    [Fact]
    public async Task A_changed_build_arg_a_RUN_sees_misses_from_that_RUN_on()
    {
        using var harness = await BuiltOnceAsync();

        await RebuildAsync(harness, plan: new PlanOptions { BuildArgs = new Dictionary<string, string> { ["VERSION"] = "2" } });

        Assert.Equal(["fetch", "build"], harness.Runner.Commands);
        Assert.Single(harness.Files.Copies);
        Assert.Contains("VERSION=2", harness.Runner.Run("fetch").Env);
    }

    [Fact]
    public async Task A_build_arg_the_Dockerfile_does_not_declare_changes_nothing()
    {
        using var harness = await BuiltOnceAsync();

        await RebuildAsync(harness, plan: new PlanOptions { BuildArgs = new Dictionary<string, string> { ["OTHER"] = "x" } });

        Assert.Empty(harness.Runner.Runs);
        Assert.Empty(harness.Files.Copies);
    }

    [Fact]
    public async Task A_changed_COPY_source_misses_from_the_COPY_on()
    {
        using var harness = await BuiltOnceAsync();
        harness.WriteContext("app.txt", "v2");

        await RebuildAsync(harness);

        Assert.Equal(["build"], harness.Runner.Commands);
        Assert.Single(harness.Files.Copies);
        Assert.Equal("v2", harness.Layers.Commits.First(c => c.ContainsKey("app/app.txt") && c["app/app.txt"] == "v2")["app/app.txt"]);
    }

    [Fact]
    public async Task A_change_to_a_context_file_no_step_copies_still_hits()
    {
        using var harness = await BuiltOnceAsync();
        harness.WriteContext("README", "changed");
        harness.WriteContext("new.txt", "new");

        await RebuildAsync(harness);

        Assert.Empty(harness.Runner.Runs);
        Assert.Empty(harness.Files.Copies);
    }

    [Fact]
    public async Task A_changed_RUN_misses_but_the_steps_before_it_hit()
    {
        using var harness = await BuiltOnceAsync();

        await RebuildAsync(harness, Dockerfile.Replace("RUN build", "RUN build --release"));

        Assert.Equal(["build --release"], harness.Runner.Commands);
        Assert.Empty(harness.Files.Copies);
    }

    [Fact]
    public async Task A_cached_layer_whose_snapshot_is_gone_is_unpacked_again()
    {
        using var harness = await BuiltOnceAsync();
        var gone = harness.Store.ListSnapshots().First();
        WriteLayerBlobs(harness);
        harness.Store.DeleteSnapshot(gone);

        await RebuildAsync(harness);

        Assert.Empty(harness.Runner.Runs);
        Assert.Contains(gone, harness.Layers.Unpacked);
        Assert.True(harness.Store.HasSnapshot(gone));
    }

    [Fact]
    public async Task A_cached_layer_whose_snapshot_is_gone_before_its_blob_was_written_runs_again()
    {
        using var harness = await BuiltOnceAsync();
        var gone = harness.Store.ListSnapshots().ToList();
        foreach (var snapshot in gone)
        {
            harness.Store.DeleteSnapshot(snapshot);
        }

        harness.Runner.Runs.Clear();
        var rebuilt = await harness.BuildAsync(Dockerfile);

        Assert.Equal(["fetch", "build"], harness.Runner.Commands);
        Assert.Empty(harness.Layers.Unpacked);
        // The RUNs' files are new, so their times (and chain ids) may differ from the first build's.
        Assert.All(ChainId.All(rebuilt.Config.RootFs.DiffIds), s => Assert.True(harness.Store.HasSnapshot(s)));
        Assert.Equal(gone.Count, rebuilt.Config.RootFs.DiffIds.Count);
    }

    /// <summary>Reads every layer of the cache records once, as save or push would: their blobs are written.</summary>
    private static void WriteLayerBlobs(EngineHarness harness)
    {
        foreach (var chainId in harness.Store.ListSnapshots())
        {
            var record = harness.Store.FindSnapshotRecord(chainId)!;
            harness.Store.OpenBlob(record.DiffId).Dispose();
            Assert.True(harness.Store.HasBlobFile(record.DiffId));
        }
    }

    [Fact]
    public async Task A_cache_record_whose_blob_is_gone_is_a_miss()
    {
        using var harness = WithContext();
        var built = await harness.BuildAsync(Dockerfile);
        harness.Store.DeleteBlob(built.ImageManifest.Layers[^1].Digest);

        await RebuildAsync(harness);

        Assert.Equal(["build"], harness.Runner.Commands);
    }

    [Fact]
    public async Task Config_only_steps_keep_their_history_time_on_a_rebuild()
    {
        using var harness = WithContext();
        var first = await harness.BuildAsync("FROM base\nENV A=1\nLABEL b=2\n");

        var second = await harness.BuildAsync("FROM base\nENV A=1\nLABEL b=2\n");

        Assert.Equal(first.Config.History!.Select(h => h.Created), second.Config.History!.Select(h => h.Created));
        Assert.Equal(first.Id, second.Id);
    }

    [Fact]
    public async Task The_build_reports_one_cache_key_per_step_in_order()
    {
        using var harness = WithContext();

        var built = await harness.BuildAsync(Dockerfile);

        Assert.Equal(5, built.CacheKeys.Count);
        Assert.Equal(5, built.CacheKeys.Select(k => k.Key).Distinct().Count());
        Assert.All(built.CacheKeys, k => Assert.Equal(0, k.Stage));
    }
}
