using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;
using ImageBuilder.Linux.Layers;

namespace ImageBuilder.Build.Machine;

/// <summary>The real <see cref="ILayerCommitter"/>: the layer packer and unpacker over Linux's file tree reader and writer.</summary>
public sealed class LinuxLayerCommitter(ContentStore store) : ILayerCommitter
{
    public Task<PackedLayer> CommitAsync(string upperDir, Digest? parentChainId, DateTimeOffset? sourceDateEpoch, Task? placeAfter, CancellationToken cancellationToken) =>
        store.CommitLayerAsync(upperDir, parentChainId, sourceDateEpoch, DurableTree.Sync, placeAfter, cancellationToken);

    public Task EnsureSnapshotsAsync(IReadOnlyList<Descriptor> layers, IReadOnlyList<Digest> diffIds, CancellationToken cancellationToken) =>
        store.UnpackSnapshotsAsync(layers, diffIds, Unpacker(), cancellationToken);

    public Task EnsureSnapshotAsync(Digest chainId, Descriptor layer, Digest diffId, CancellationToken cancellationToken) =>
        store.UnpackSnapshotAsync(chainId, layer, diffId, Unpacker(), cancellationToken);

    private static LayerUnpacker Unpacker() => new(new FileTreeWriter());
}
