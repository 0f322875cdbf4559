using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary>The build checks in a build: UndefinedVar knows a base image's ENV from the store, as BuildKit knows it from the image's config.</summary>
public sealed class BuildChecksTests : IDisposable
{
    private readonly BuildFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    [RootFact]
    public async Task UndefinedVar_names_what_neither_the_Dockerfile_nor_the_base_image_defines()
    {
        await fixture.ImportBaseAsync();
        (await fixture.BuildAsync("FROM box:1\nENV FROM_BASE=1\n", "-t", "base:1")).Ok();

        var result = (await fixture.BuildAsync("FROM base:1\nENV LOCAL=2\nENV OUT=$FROM_BASE-$LOCAL-$NOPE\n")).Ok();

        var undefined = result.Stderr.Split('\n').Where(l => l.Contains("warning: UndefinedVar", StringComparison.Ordinal)).ToList();
        Assert.Single(undefined);
        Assert.Contains("NOPE", undefined[0]);
        Assert.Contains("Dockerfile:3:1:", undefined[0]);
        Assert.Matches(@"; 1 warning\n$", result.Stderr);
    }
}
