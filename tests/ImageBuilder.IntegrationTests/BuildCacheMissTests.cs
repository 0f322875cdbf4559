using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary>The plain progress of a rebuild says, in one line per step that runs again, which input changed; every build ends with a summary line.</summary>
public sealed class BuildCacheMissTests : IDisposable
{
    private readonly BuildFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    [RootFact]
    public async Task A_rebuild_after_an_edit_names_the_file_and_a_new_build_arg_names_the_arg()
    {
        await fixture.ImportBaseAsync();
        const string Dockerfile = "FROM box:1\nARG MODE=debug\nCOPY app.txt /app.txt\nRUN echo $MODE > /mode\n";
        fixture.Write("app.txt", "one\n");
        var first = (await fixture.BuildAsync(Dockerfile)).Ok();
        Assert.DoesNotContain("cache miss", first.Stderr);

        fixture.Write("app.txt", "two\n");
        var edited = (await fixture.BuildAsync(Dockerfile)).Ok();
        Assert.Matches(@"#(\d+) \[2/3\] COPY app.txt /app.txt\n#\1 cache miss: COPY: app.txt changed\n", edited.Stderr);
        Assert.Matches(@"#(\d+) \[3/3\] RUN echo \$MODE > /mode\n#\1 cache miss: the step before it changed\n", edited.Stderr);

        var released = (await fixture.BuildAsync(Dockerfile, "--build-arg", "MODE=release")).Ok();
        Assert.Contains("cache miss: build arg MODE changed (debug → release)", released.Stderr);
        Assert.Contains("CACHED", released.Stderr);

        // Every build ends with one line: what ran, what was written, how big the image is, the warnings.
        Assert.Matches(@"\nbuilt sha256:[0-9a-f]{64} in [\d.]+s: 2 steps run, 0 cached, [\d.]+k?B written; image [\d.]+MB; no warnings\n$", edited.Stderr);
        Assert.Matches(@"\nbuilt sha256:[0-9a-f]{64} in [\d.]+s: 1 step run, 1 cached, [\d.]+k?B written; image [\d.]+MB; no warnings\n$", released.Stderr);
        // The graph of the same Dockerfile says how long each step ran at its last run.
        var graph = (await fixture.Ibuild("--root", fixture.Store, "graph", "--build-arg", "MODE=release", fixture.Context)).Ok();
        Assert.Matches(@"RUN echo \$MODE > /mode\\n\(cached; last run [\d.]+s\)", graph.Stdout);

        var failed = await fixture.BuildAsync("FROM box:1\nRUN exit 3\n");
        Assert.Matches(@"\nbuild failed after [\d.]+s; no warnings\n$", failed.Stderr);
    }
}
