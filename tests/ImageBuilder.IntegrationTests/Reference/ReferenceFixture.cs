using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Reference;

/// <summary>
/// Shared by the reference cases: the tests' own dockerd, an ibuild store, and the busybox
/// base as <c>box:1</c> in both (imported by ibuild, saved, and <c>docker load</c>ed, so
/// both builders start from the same layer and config). Everything is made on first use.
/// </summary>
public sealed class ReferenceFixture : IDisposable
{
    private readonly TempDirectory dir = new("ibuild-reference-");
    private readonly Lazy<Task> baseImage;

    public ReferenceFixture()
    {
        baseImage = new(LoadBaseAsync);
        Ibuild = new(Tools.Ibuild, Store, NewScratch);
    }

    internal DockerDaemon Docker { get; } = new();

    /// <summary>ibuild (root's, in this process) on <see cref="Store"/>.</summary>
    internal IbuildReferenceBuilder Ibuild { get; }

    public string Store => dir.Combine("store");

    public string NewScratch() => Directory.CreateDirectory(dir.Combine(Guid.NewGuid().ToString("N"))).FullName;

    public Task EnsureBaseAsync() => baseImage.Value;

    public void Dispose()
    {
        Docker.Dispose();
        dir.Dispose();
    }

    private async Task LoadBaseAsync()
    {
        await Ibuild.ImportBaseAsync(await BusyboxRootfs.PathAsync());
        var archive = Path.Combine(NewScratch(), "box.tar");
        (await Tools.Ibuild("--root", Store, "save", "-o", archive, "box:1")).Ok();
        (await Docker.DockerAsync("load", "-i", archive)).Ok();
    }
}
