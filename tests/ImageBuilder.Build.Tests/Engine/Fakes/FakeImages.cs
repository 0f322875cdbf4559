using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;
using ImageBuilder.Planning;

namespace ImageBuilder.Build.Tests.Engine.Fakes;

/// <summary>Base images for the planner: stored in the test's store (manifest and config blobs, layers with their snapshots), found by name.</summary>
internal sealed class FakeImages(ContentStore store) : IImageSource
{
    private readonly Dictionary<string, BaseImage> images = [];

    public Task<BaseImage?> FindAsync(string reference, Platform platform, CancellationToken cancellationToken) => Task.FromResult(images.GetValueOrDefault(reference));

    /// <summary>Stores an image of <paramref name="layers"/> (each a snapshot directory, bottom first, with its blob and diff id).</summary>
    public void Add(string reference, ExecutionConfig? execution = null, params IReadOnlyList<(Descriptor Layer, Digest DiffId)> layers)
    {
        var config = new ImageConfig
        {
            Architecture = Platform.Current.Architecture,
            Os = "linux",
            RootFs = new RootFs { DiffIds = layers.Select(l => l.DiffId).ToList() },
            Config = execution,
            History = layers.Select(_ => new HistoryEntry { Created = "2024-01-01T00:00:00Z", CreatedBy = "base layer" }).ToList(),
        };
        var configBytes = OciJson.Serialize(config);
        var manifest = new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = store.WriteBlob(configBytes), Size = configBytes.Length },
            Layers = layers.Select(l => l.Layer).ToList(),
        };
        images[reference] = new BaseImage(reference, store.WriteBlob(OciJson.Serialize(manifest)), config);
    }
}
