using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary><c>ibuild build --call=outline</c> through the real binary: it answers and builds nothing.</summary>
public sealed class BuildCallTests : IDisposable
{
    private const string Dockerfile = """
        FROM box:1
        # GREETING what the step writes
        ARG GREETING=hello
        RUN echo "$GREETING" > /greeting
        """;

    private readonly BuildFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    [RootFact]
    public async Task Outline_runs_no_step_stores_nothing_and_names_nothing()
    {
        await fixture.ImportBaseAsync();
        var before = StoreFiles();

        var result = (await fixture.BuildAsync(Dockerfile, "--call=outline", "-t", "app:1")).Ok();

        Assert.Contains("GREETING    hello   what the step writes", result.Stdout);
        Assert.DoesNotContain("RUN", result.Stderr);
        Assert.Equal(before, StoreFiles());
        var images = (await fixture.Ibuild("--root", fixture.Store, "images")).Ok().Stdout;
        Assert.DoesNotContain("app", images);
    }

    [RootFact]
    public async Task Outline_on_a_new_store_does_not_even_create_it()
    {
        (await fixture.BuildAsync(Dockerfile, "--call=outline")).Ok();

        Assert.False(Directory.Exists(fixture.Store));
    }

    private List<string> StoreFiles() =>
        Directory.EnumerateFileSystemEntries(fixture.Store, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
}
