using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;
using ImageBuilder.Linux.Layers;

namespace ImageBuilder.Build.Machine;

/// <summary>The real <see cref="ILayerCommitter"/>: the layer packer and unpacker over Linux's file tree reader and writer.</summary>
public sealed class LinuxLayerCommitter(ContentStore store) : ILayerCommitter
{
    public async Task<PackedLayer> CommitAsync(string upperDir, Digest? parentChainId, LayerPackOptions options, CancellationToken cancellationToken)
    {
        PackedLayer packed;
        await using (var writer = store.BeginBlob())
        {
            packed = await new LayerPacker(new FileTreeReader()).PackAsync(upperDir, writer.Stream, options, cancellationToken);
            writer.Commit(packed.Digest);
        }

        // The packer read this very tree: its diff id is what fsck's re-pack of the snapshot must give.
        store.AdoptSnapshot(ChainId.Next(parentChainId, packed.DiffId), upperDir, dir => new FileTreeWriter().Flush(dir),
            new SnapshotRecord(packed.DiffId, packed.DiffId, options.SourceDateEpoch));
        return packed;
    }

    public Task EnsureSnapshotsAsync(IReadOnlyList<Descriptor> layers, IReadOnlyList<Digest> diffIds, CancellationToken cancellationToken) =>
        store.UnpackSnapshotsAsync(layers, diffIds, Unpacker(), cancellationToken);

    public Task EnsureSnapshotAsync(Digest chainId, Descriptor layer, Digest diffId, CancellationToken cancellationToken) =>
        store.UnpackSnapshotAsync(chainId, layer, diffId, Unpacker(), cancellationToken);

    private static LayerUnpacker Unpacker() => new(new FileTreeWriter());
}
