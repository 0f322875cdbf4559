using System.IO.Abstractions;
using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Oci;
using ImageBuilder.Dockerfile;
using ImageBuilder.Planning;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Application.Tests;

/// <summary>A multi-platform build checks every platform before it builds any.</summary>
public sealed class MultiPlatformBuildTests : IDisposable
{
    private readonly TempDirectory dir = new("ibuild-app-multi-");
    private readonly RecordingMachine machine = new();
    private readonly ApplicationServices services;

    public MultiPlatformBuildTests() => services = new ApplicationServices(new FileSystem(), machine, () => Stream.Null);

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task A_platform_without_an_emulator_stops_the_build_before_the_platforms_before_it_are_built()
    {
        machine.Unrunnable.Add("linux/arm64");
        var context = Directory.CreateDirectory(dir.Combine("context")).FullName;
        var request = new BuildRequest(dir.Combine("store"), context, null, DockerfileParser.Parse("FROM scratch\nRUN make\n"), new PlanOptions(), new EngineOptions())
        {
            Platforms = [Platform.Parse("linux/amd64"), Platform.Parse("linux/arm64")],
        };

        // The machine here makes no engine (CreateEngine throws): reaching it would mean a platform was built first.
        var error = await Assert.ThrowsAsync<BuildException>(() => services.Builds.BuildAsync(request, new SilentProgress(), _ => { }, CancellationToken.None));

        Assert.Equal(ErrorCode.UnsupportedPlatform, error.Diagnostic.Code);
        Assert.Equal("no emulator for linux/arm64", error.Diagnostic.Message);
        Assert.Equal(2, error.Diagnostic.Span!.Value.StartLine);
    }
}

/// <summary>Progress nobody reads.</summary>
internal sealed class SilentProgress : IBuildProgress
{
    public StepHandle Start(string title) => new(1, title);

    public void Cached(StepHandle step)
    {
    }

    public void Output(StepHandle step, ReadOnlySpan<byte> data)
    {
    }

    public void Done(StepHandle step)
    {
    }

    public void Failed(StepHandle step, string message)
    {
    }
}
