using ImageBuilder.Planning;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Build.Tests.Engine;

/// <summary>A named directory context (<c>--build-context NAME=DIR</c>): read from its own directory with its own .dockerignore, and keyed by its content.</summary>
public sealed class NamedContextEngineTests
{
    private const string Dockerfile = """
        FROM base
        COPY --from=lib util.txt /opt/lib/
        RUN --mount=from=lib,target=/mnt use-lib
        """;

    private static void Write(string dir, string path, string content)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, path), content);
    }

    private static PlanOptions With(string dir) => new() { Contexts = new Dictionary<string, NamedContext> { ["lib"] = new DirectoryContext("lib", dir) } };

    [Fact]
    public async Task COPY_from_a_directory_context_reads_that_directory_and_an_unchanged_one_is_a_cache_hit()
    {
        using var harness = new EngineHarness();
        using var lib = new TempDirectory("ibuild-lib-");
        Write(lib.Path, "util.txt", "v1");
        harness.Runner.On("use-lib").Writes("used", "u");

        var first = await harness.BuildAsync(Dockerfile, With(lib.Path));
        var copy = Assert.Single(harness.Files.Copies);
        Assert.Equal(Path.GetFullPath(lib.Path).TrimEnd('/'), copy.SourceDirectory);
        var mount = Assert.Single(harness.Runner.Runs).Mounts.OfType<ImageBuilder.Build.Engine.StepBindMount>().Single();
        Assert.Equal(Path.GetFullPath(lib.Path).TrimEnd('/'), mount.Root);

        harness.Files.Copies.Clear();
        harness.Runner.Runs.Clear();
        var second = await harness.BuildAsync(Dockerfile, With(lib.Path));

        Assert.Equal(first.Id, second.Id);
        Assert.Empty(harness.Files.Copies);
        Assert.Empty(harness.Runner.Runs);
    }

    [Fact]
    public async Task A_changed_file_in_the_directory_context_misses_the_cache()
    {
        using var harness = new EngineHarness();
        using var lib = new TempDirectory("ibuild-lib-");
        Write(lib.Path, "util.txt", "v1");
        harness.Runner.On("use-lib").Writes("used", "u");
        await harness.BuildAsync(Dockerfile, With(lib.Path));
        harness.Files.Copies.Clear();
        harness.Runner.Runs.Clear();

        Write(lib.Path, "util.txt", "v2");
        await harness.BuildAsync(Dockerfile, With(lib.Path));

        Assert.Single(harness.Files.Copies);
        Assert.Single(harness.Runner.Runs);
    }

    [Fact]
    public async Task The_directory_contexts_own_dockerignore_applies_and_the_main_contexts_does_not()
    {
        using var harness = new EngineHarness();
        using var lib = new TempDirectory("ibuild-lib-");
        Write(lib.Path, "util.txt", "v1");
        Write(lib.Path, "notes.md", "left out");
        Write(lib.Path, ".dockerignore", "*.md\n");
        harness.WriteContext(".dockerignore", "*.txt\n");

        await harness.BuildAsync("FROM base\nCOPY --from=lib util.txt /opt/lib/\n", With(lib.Path));

        var copy = Assert.Single(harness.Files.Copies);
        Assert.True(copy.IsExcluded!("notes.md"));
        Assert.False(copy.IsExcluded("util.txt"));
    }
}
