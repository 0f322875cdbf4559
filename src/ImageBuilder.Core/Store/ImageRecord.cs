using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;

namespace ImageBuilder.Core.Store;

/// <summary>
/// An image in the store: its manifest (and the descriptor that names it), its config,
/// and the names it is tagged with. Its id, as docker prints it, is the config digest.
/// </summary>
public sealed record ImageRecord(
    Descriptor ManifestDescriptor,
    ImageManifest Manifest,
    ImageConfig Config,
    IReadOnlyList<ImageReference> Tags)
{
    public Digest Id => Manifest.Config.Digest;

    /// <summary>The chain id of each layer, bottom first.</summary>
    public IReadOnlyList<Digest> ChainIds => ChainId.All(Config.RootFs.DiffIds);

    /// <summary>Compressed size of config and layers, as stored.</summary>
    public long Size => Manifest.Config.Size + Manifest.Layers.Sum(l => l.Size);
}

/// <summary>What <see cref="ContentStore.Prune"/> removed.</summary>
public sealed record PruneReport(int Blobs, long BlobBytes, int Snapshots, int Temporaries, int UntaggedImages);
