using ImageBuilder.Core.Oci;
using ImageBuilder.Dockerfile;

namespace ImageBuilder.Planning.Tests;

/// <summary>
/// Base images are looked up asynchronously between planning passes: once per distinct reference,
/// cancellable while a lookup (a pull) is under way, failures reported where the image is named.
/// </summary>
public sealed class AsyncImageSourceTests
{
    private static readonly Digest SomeManifest = Digest.Parse("sha256:" + new string('c', 64));

    /// <summary>Answers after a yield (as a pull would), counting the lookups of each reference.</summary>
    private sealed class CountingImages(params string[] known) : IImageSource
    {
        public Dictionary<string, int> Lookups { get; } = [];

        public async Task<BaseImage?> FindAsync(string reference, Platform platform, CancellationToken cancellationToken)
        {
            await Task.Yield();
            Lookups[reference] = Lookups.GetValueOrDefault(reference) + 1;
            return known.Contains(reference)
                ? new BaseImage(reference, SomeManifest, new ImageConfig { Architecture = Platform.Current.Architecture, Os = "linux", RootFs = new RootFs { DiffIds = [] } })
                : null;
        }
    }

    /// <summary>A lookup that never ends until cancelled, like a pull from a registry that does not answer.</summary>
    private sealed class StalledImages : IImageSource
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<BaseImage?> FindAsync(string reference, Platform platform, CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return null;
        }
    }

    private sealed class FailingImages : IImageSource
    {
        public Task<BaseImage?> FindAsync(string reference, Platform platform, CancellationToken cancellationToken) =>
            throw new ImageSourceException("could not be pulled: connection refused", "check that the registry is reachable");
    }

    [Fact]
    public async Task Each_image_named_in_several_stages_is_looked_up_once()
    {
        var images = new CountingImages("a", "b");
        var text = "FROM a AS one\nFROM b AS two\nCOPY --from=a /x /x\nFROM a\nCOPY --from=one /y /y\nCOPY --from=two /z /z\nCOPY --from=b /w /w\n";

        var plan = await new Planner(images).PlanAsync(DockerfileParser.Parse(text), new PlanOptions(), CancellationToken.None);

        Assert.Equal(3, plan.Stages.Count);
        Assert.Equal(new Dictionary<string, int> { ["a"] = 1, ["b"] = 1 }, images.Lookups);
    }

    [Fact]
    public async Task Cancelling_during_a_lookup_ends_planning()
    {
        var images = new StalledImages();
        using var cancel = new CancellationTokenSource();

        var planning = new Planner(images).PlanAsync(DockerfileParser.Parse("FROM stalled:1\nRUN true\n"), new PlanOptions(), cancel.Token);
        await images.Started.Task;
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => planning);
    }

    [Fact]
    public async Task A_failed_lookup_is_reported_where_the_image_is_named()
    {
        var text = "FROM scratch AS a\nRUN true\nFROM a\nCOPY --from=far:1 /x /x\n";

        var error = await Assert.ThrowsAsync<DockerfileException>(
            () => new Planner(new FailingImages()).PlanAsync(DockerfileParser.Parse(text), new PlanOptions(), CancellationToken.None));

        Assert.Equal(ErrorCode.ImageNotFound, error.Code);
        Assert.Equal("image \"far:1\" is not in the store and could not be pulled: connection refused", error.Message);
        Assert.Equal(4, error.Span!.Value.StartLine);
        Assert.Equal("check that the registry is reachable", error.Diagnostics[0].Hint);
    }
}
