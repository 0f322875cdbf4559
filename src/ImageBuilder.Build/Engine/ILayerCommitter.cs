using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Build.Engine;

/// <summary>
/// The engine's seam to layers on disk: a step's upper dir becomes a snapshot and a layer blob,
/// and a chain's snapshots are unpacked from the store's blobs where missing. The Linux
/// implementation (<c>ImageBuilder.Build.Machine.LinuxLayerCommitter</c>) reads and writes owners,
/// modes and extended attributes as they are.
/// </summary>
public interface ILayerCommitter
{
    /// <summary>Keeps <paramref name="upperDir"/> as the snapshot on top of <paramref name="parentChainId"/> (none: the
    /// first layer) and its uncompressed layer (times clamped at <paramref name="sourceDateEpoch"/>) as a blob of the
    /// store, written when first read (<see cref="Core.Store.ContentStore.CommitLayerAsync"/>); the dir is moved only
    /// once <paramref name="placeAfter"/> (when given) completed, while the next step may have it as a lower dir.</summary>
    Task<PackedLayer> CommitAsync(string upperDir, Digest? parentChainId, DateTimeOffset? sourceDateEpoch, Task? placeAfter, CancellationToken cancellationToken);

    /// <summary>The snapshots of an image's layers, bottom first, each unpacked from its blob where missing.</summary>
    /// <exception cref="Core.Store.StoreException">A blob is missing, the counts differ, or a layer does not unpack to its diff id.</exception>
    Task EnsureSnapshotsAsync(IReadOnlyList<Descriptor> layers, IReadOnlyList<Digest> diffIds, CancellationToken cancellationToken);

    /// <summary>The snapshot <paramref name="chainId"/>, unpacked from <paramref name="layer"/>'s blob when missing.</summary>
    /// <exception cref="Core.Store.StoreException">The blob is missing, or the layer does not unpack to <paramref name="diffId"/>.</exception>
    Task EnsureSnapshotAsync(Digest chainId, Descriptor layer, Digest diffId, CancellationToken cancellationToken);
}
