using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Oci;
using ImageBuilder.Dockerfile;
using ImageBuilder.Planning;

namespace ImageBuilder.Build.Tests.Engine;

/// <summary>Steps of another platform: refused before anything runs where the machine cannot run them; keyed apart from the machine's own.</summary>
public sealed class PlatformTests : IDisposable
{
    private static readonly Platform Arm64 = Platform.Parse("linux/arm64");

    private readonly EngineHarness harness = new();

    public void Dispose() => harness.Dispose();

    [Fact]
    public async Task A_run_step_the_machine_cannot_run_fails_the_build_before_any_step_runs_located_at_it()
    {
        harness.Runner.Unrunnable.Add("linux/arm64");
        const string Dockerfile = """
            FROM --platform=$BUILDPLATFORM scratch AS tools
            COPY a.txt /a.txt
            FROM scratch
            COPY a.txt /a.txt
            RUN echo on arm64
            """;
        harness.WriteContext("a.txt", "a");

        var error = await Assert.ThrowsAsync<BuildException>(() => harness.BuildAsync(Dockerfile, new PlanOptions { Platform = Arm64 }));

        Assert.Equal(ErrorCode.UnsupportedPlatform, error.Diagnostic.Code);
        Assert.Equal(5, error.Diagnostic.Span!.Value.StartLine);
        Assert.Equal("no emulator for linux/arm64", error.Diagnostic.Message);
        Assert.Equal("install qemu", error.Diagnostic.Hint);
        Assert.Empty(harness.Runner.Runs);
        Assert.Empty(harness.Files.Copies);
    }

    [Fact]
    public async Task Stages_without_run_steps_need_no_emulator()
    {
        harness.Runner.Unrunnable.Add("linux/arm64");
        harness.WriteContext("a.txt", "a");

        var built = await harness.BuildAsync("FROM scratch\nCOPY a.txt /a.txt\n", new PlanOptions { Platform = Arm64 });

        Assert.Equal("arm64", built.Config.Architecture);
        Assert.Empty(harness.Runner.AskedPlatforms);
    }

    [Fact]
    public async Task The_same_steps_for_two_platforms_are_two_cache_entries()
    {
        const string Dockerfile = "FROM scratch\nRUN make\n";

        await harness.BuildAsync(Dockerfile);
        await harness.BuildAsync(Dockerfile, new PlanOptions { Platform = Arm64 });
        await harness.BuildAsync(Dockerfile);

        Assert.Equal(["make", "make"], harness.Runner.Commands);
        Assert.Equal([Platform.Current.ToString(), "linux/arm64", Platform.Current.ToString()], harness.Runner.AskedPlatforms);
    }
}
