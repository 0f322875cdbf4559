using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Archives;

// What every image passes before it is named: its descriptors match the blobs, and every layer
// is the tar its diff_id says — checked even when the store has the layer's snapshot already.
public sealed partial class ImageLoader
{
    private async Task VerifyAsync(PendingImage image, CancellationToken cancellationToken)
    {
        var (manifest, config) = (image.Manifest, image.Config);
        CheckDescriptor(manifest.Config, "config", MediaTypes.IsConfig(manifest.Config.MediaType), "an image config");
        var diffIds = config.RootFs.DiffIds;
        if (manifest.Layers.Count != diffIds.Count)
        {
            throw new ArchiveFormatException($"the image has {manifest.Layers.Count} layers but its config lists {diffIds.Count} diff_ids");
        }

        for (var i = 0; i < manifest.Layers.Count; i++)
        {
            CheckDescriptor(manifest.Layers[i], $"layer {i + 1}", MediaTypes.IsLayer(manifest.Layers[i].MediaType), "a layer");
        }

        var chainIds = ChainId.All(diffIds);
        for (var i = 0; i < manifest.Layers.Count; i++)
        {
            await VerifyLayerAsync(manifest.Layers[i], i, diffIds[i], chainIds[i], cancellationToken);
        }
    }

    /// <summary>The blob is in the store, has the descriptor's size, and the media type is of the kind expected.</summary>
    private void CheckDescriptor(Descriptor descriptor, string role, bool kindMatches, string kind)
    {
        if (!kindMatches)
        {
            throw new ArchiveFormatException($"the {role} {descriptor.Digest} has media type \"{descriptor.MediaType}\", which is not {kind} type");
        }

        if (!store.HasBlob(descriptor.Digest))
        {
            throw new ArchiveFormatException($"the {role} {descriptor.Digest} is missing");
        }

        var size = store.BlobSize(descriptor.Digest);
        if (size != descriptor.Size)
        {
            throw new ArchiveFormatException($"the {role} {descriptor.Digest} is {size} bytes, but its descriptor says {descriptor.Size}");
        }
    }

    /// <summary>
    /// Layer <paramref name="index"/> has the compression its media type names and unpacks to
    /// <paramref name="expected"/>. Without a snapshot it is unpacked (and hashed in the same pass);
    /// with one it is decompressed and hashed, unless the store has already found this very blob to
    /// hash to <paramref name="expected"/> (a blob is content-addressed: that fact cannot change).
    /// </summary>
    private async Task VerifyLayerAsync(Descriptor layer, int index, Digest expected, Digest chainId, CancellationToken cancellationToken)
    {
        var role = $"layer {index + 1} ({layer.Digest})";
        var compression = await DetectCompressionAsync(layer, cancellationToken);
        if (MediaTypes.GetLayerCompression(layer.MediaType) != compression)
        {
            throw new ArchiveFormatException(
                $"{role} has media type \"{layer.MediaType}\", but its bytes are {Describe(compression)}");
        }

        if (store.HasSnapshot(chainId) && store.FindLayerDiffId(layer.Digest) == expected)
        {
            return;
        }

        Digest? unpacked = null;
        try
        {
            await store.EnsureSnapshotAsync(chainId, async dir =>
            {
                await using var blob = store.OpenBlob(layer.Digest);
                unpacked = (await unpacker.UnpackAsync(blob, dir, cancellationToken)).DiffId;
                Require(unpacked.Value);
            }, cancellationToken);
            if (unpacked is null)
            {
                // The snapshot was there (made from an earlier image with these diff_ids): this blob is checked on its own.
                Require(await HashTarAsync(layer, role, cancellationToken));
            }
        }
        catch (LayerFormatException e)
        {
            throw new ArchiveFormatException($"{role}: {e.Message}");
        }

        store.RecordLayerDiffId(layer.Digest, expected);

        void Require(Digest actual)
        {
            if (actual != expected)
            {
                throw new ArchiveFormatException($"{role} holds the tar {actual}, but the config's diff_ids[{index}] is {expected}");
            }
        }
    }

    private async Task<LayerCompression> DetectCompressionAsync(Descriptor layer, CancellationToken cancellationToken)
    {
        var head = new byte[4];
        await using var blob = store.OpenBlob(layer.Digest);
        var count = await blob.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        return LayerStreamFormat.Detect(head.AsSpan(0, count));
    }

    /// <summary>The sha256 of the layer's uncompressed tar.</summary>
    private async Task<Digest> HashTarAsync(Descriptor layer, string role, CancellationToken cancellationToken)
    {
        await using var blob = store.OpenBlob(layer.Digest);
        try
        {
            var (_, tar) = await LayerStreamFormat.OpenAsync(blob, cancellationToken);
            await using (tar)
            {
                return await Digest.Sha256Async(tar, cancellationToken);
            }
        }
        catch (Exception e) when (TarEntryContent.AsCorruption(e, null) is { } corruption)
        {
            throw new ArchiveFormatException($"{role}: {corruption.Message}");
        }
    }

    private static string Describe(LayerCompression compression) => compression switch
    {
        LayerCompression.Gzip => "gzip-compressed",
        LayerCompression.Zstd => "zstd-compressed",
        _ => "not compressed",
    };
}
