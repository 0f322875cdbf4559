using System.IO.Abstractions;
using ImageBuilder.Build.Context;
using ImageBuilder.Build.Engine;
using ImageBuilder.Build.Tests.Engine.Fakes;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;
using ImageBuilder.Dockerfile;
using ImageBuilder.Linux.Layers;
using ImageBuilder.Planning;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Build.Tests.Engine;

/// <summary>
/// The engine over fakes of its seams, a real store and a real build context in a temp dir:
/// Dockerfiles are parsed and planned for real, steps "run" in the fakes. Needs no privilege.
/// </summary>
internal sealed class EngineHarness : IDisposable
{
    private readonly TempDirectory dir = new("ibuild-engine-");

    public EngineHarness()
    {
        Directory.CreateDirectory(ContextDir);
        Store = ContentStore.Open(new FileSystem(), dir.Combine("store"), new FileTreeReader());
        Layers = new FakeLayerCommitter(Store);
        Images = new FakeImages(Store);
        Images.Add("base", new ExecutionConfig { Env = ["PATH=/usr/bin:/bin"] });
    }

    public ContentStore Store { get; }

    public string ContextDir => dir.Combine("context");

    public FakeStepRunner Runner { get; } = new();

    public FakeFileWork Files { get; } = new();

    public FakeLayerCommitter Layers { get; }

    public FakeGitSource Git { get; } = new();

    public FakeImages Images { get; }

    public RecordingProgress Progress { get; private set; } = new();

    /// <summary>The machine's layer limit (overlayfs's is 500); tests of the limit set it low.</summary>
    public int MaxLowerLayers { get; set; } = 500;

    public int CacheRecords => Directory.Exists(StorePath("ibuild", "cache")) ? Directory.GetFiles(StorePath("ibuild", "cache")).Length : 0;

    public int Blobs => Store.ListBlobs().Count();

    public int Snapshots => Store.ListSnapshots().Count();

    public void WriteContext(string path, string content)
    {
        var full = Path.Combine(ContextDir, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }

    /// <summary>The one place the planner is called.</summary>
    public Task<BuildPlan> PlanAsync(string dockerfile, PlanOptions? options = null) =>
        new Planner(Images).PlanAsync(DockerfileParser.Parse(dockerfile), options ?? new PlanOptions(), CancellationToken.None);

    /// <summary>Builds <paramref name="dockerfile"/> with fresh progress (<see cref="Progress"/>), four jobs unless <paramref name="engine"/> says.</summary>
    public async Task<BuiltImage> BuildAsync(string dockerfile, PlanOptions? plan = null, EngineOptions? engine = null, CancellationToken cancellationToken = default)
    {
        var built = await PlanAsync(dockerfile, plan);
        Progress = new RecordingProgress();
        await using var buildEngine = CreateEngine();
        var contexts = plan?.Contexts ?? new Dictionary<string, NamedContext>();
        return await buildEngine.BuildAsync(
            built, name => name is null ? BuildContext.Load(ContextDir, null, null) : BuildContext.LoadNamed(((DirectoryContext)contexts[name]).Directory, null),
            engine ?? new EngineOptions { Jobs = 4 }, cancellationToken);
    }

    /// <summary>An engine over the fakes, reporting to <see cref="Progress"/>.</summary>
    public BuildEngine CreateEngine() => new(Store, new BuildMachine(Runner, Files, Layers, Git, MaxLowerLayers), Progress);

    /// <summary>A layer of these files stored as a blob and a snapshot, for a base image.</summary>
    public async Task<(Descriptor Layer, Digest DiffId)> StoreLayerAsync(params (string Path, string Content)[] files)
    {
        var upper = Store.CreateScratchDirectory();
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(upper, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, content);
        }

        var packed = await Layers.CommitAsync(upper, null, null, null, CancellationToken.None);
        Layers.Commits.Clear();
        return (new Descriptor { MediaType = MediaTypes.OciLayerFor(LayerCompression.None), Digest = packed.Digest, Size = packed.Size }, packed.DiffId);
    }

    /// <summary>A hang guard for waits on the fakes: generous, never a measure of speed.</summary>
    public static Task Within(Task task) => task.WaitAsync(TimeSpan.FromMinutes(2));

    /// <inheritdoc cref="Within(Task)"/>
    public static Task<T> Within<T>(Task<T> task) => task.WaitAsync(TimeSpan.FromMinutes(2));

    public void Dispose() => dir.Dispose();

    private string StorePath(params string[] parts) => Path.Combine([Store.Root, .. parts]);
}
