using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;

namespace ImageBuilder.Core.Layers;

/// <summary>
/// Gives an image's layers another compression: builds store layers uncompressed (as docker's
/// own image store does), and exports and pushes compress them. Each conversion is stored as a
/// blob and remembered by (diff id, compression), so a layer is compressed once per store. A
/// layer a build has not written yet (a lazy blob) is packed from its snapshot straight into the
/// new compression: its uncompressed blob is never written.
/// The config, and so the image id, stays the same; the manifest changes.
/// </summary>
public sealed class LayerRecompressor(ContentStore store)
{
    /// <summary>The image with every layer in <paramref name="target"/> compression (the image itself when they already are).</summary>
    public async Task<ImageRecord> ConvertAsync(ImageRecord image, LayerCompression target, CancellationToken cancellationToken)
    {
        var layers = new List<Descriptor>();
        for (var i = 0; i < image.Manifest.Layers.Count; i++)
        {
            layers.Add(await ConvertLayerAsync(image.Manifest.Layers[i], image.Config.RootFs.DiffIds[i], target, cancellationToken));
        }

        return WithLayers(image, layers);
    }

    /// <summary>
    /// <paramref name="image"/> with <paramref name="layers"/> (its layers converted, in order) in
    /// its manifest, which is stored (the image itself when nothing changed).
    /// </summary>
    public ImageRecord WithLayers(ImageRecord image, IReadOnlyList<Descriptor> layers)
    {
        // A converted layer has an OCI type; in a Docker manifest it takes the Docker one (and a
        // Docker manifest with a zstd layer becomes OCI), so the manifest stays of one family.
        var manifest = MediaTypeFamily.Unify(image.Manifest with { Layers = [.. layers] });
        if (layers.SequenceEqual(image.Manifest.Layers) && MediaTypeFamily.IsUniform(image.Manifest))
        {
            return image;
        }

        return WithManifest(image, manifest, bytes => store.WriteBlob(bytes));
    }

    /// <summary><paramref name="image"/> described by <paramref name="manifest"/>, whose bytes <paramref name="write"/> stores (returning their digest).</summary>
    internal static ImageRecord WithManifest(ImageRecord image, ImageManifest manifest, Func<byte[], Digest> write)
    {
        var bytes = OciJson.Serialize(manifest);
        var descriptor = image.ManifestDescriptor with
        {
            MediaType = manifest.MediaType ?? MediaTypes.OciManifest,
            Digest = write(bytes),
            Size = bytes.Length,
            Annotations = null,
        };
        return image with { ManifestDescriptor = descriptor, Manifest = manifest };
    }

    /// <summary>
    /// One layer (diff id <paramref name="diffId"/>) in <paramref name="target"/> compression: the
    /// layer itself, a known conversion, or a new one — whose bytes, as they are written, also go
    /// through <paramref name="observe"/> (given the blob's stream, it returns the one to write to).
    /// </summary>
    public async Task<Descriptor> ConvertLayerAsync(
        Descriptor layer, Digest diffId, LayerCompression target, CancellationToken cancellationToken, Func<Stream, Stream>? observe = null)
    {
        if (MediaTypes.GetLayerCompression(layer.MediaType) == target)
        {
            return layer;
        }

        if (store.FindConvertedLayer(diffId, target) is { } known)
        {
            return known;
        }

        (Digest Digest, long Size) blob;
        observe ??= static stream => stream;
        if (await ConvertFromSnapshotAsync(layer, diffId, target, observe, cancellationToken) is { } made)
        {
            blob = made;
        }
        else
        {
            blob = await ConvertBlobAsync(layer, diffId, target, observe, cancellationToken);
        }

        var converted = new Descriptor { MediaType = MediaTypes.OciLayerFor(target), Digest = blob.Digest, Size = blob.Size };
        store.RecordConvertedLayer(diffId, target, converted);
        store.RecordLayerDiffId(converted.Digest, diffId);
        return converted;
    }

    /// <summary>A layer a build has not written yet (uncompressed, lazy): its snapshot packed straight into <paramref name="target"/>, or null.</summary>
    private async Task<(Digest Digest, long Size)?> ConvertFromSnapshotAsync(
        Descriptor layer, Digest diffId, LayerCompression target, Func<Stream, Stream> observe, CancellationToken cancellationToken)
    {
        if (layer.Digest != diffId || store.HasBlobFile(layer.Digest))
        {
            return null;
        }

        await using var writer = store.BeginBlob();
        // The observer's stream is not disposed: it leaves the blob's open.
        if (await store.PackLazyBlobAsync(layer.Digest, observe(writer.Stream), target, cancellationToken) is not { } packed)
        {
            return null;
        }

        return writer.Commit(packed.Digest);
    }

    /// <summary>The layer's blob read, decompressed when it is, and compressed again in <paramref name="target"/>.</summary>
    private async Task<(Digest Digest, long Size)> ConvertBlobAsync(
        Descriptor layer, Digest diffId, LayerCompression target, Func<Stream, Stream> observe, CancellationToken cancellationToken)
    {
        await using var source = store.OpenBlob(layer.Digest);
        var (_, tar) = await LayerStreamFormat.OpenAsync(source, cancellationToken);
        (Digest Digest, long Size) blob;
        await using (var writer = store.BeginBlob())
        {
            await using (var encoder = LayerEncoder.Create(new LayerPackOptions(target), observe(writer.Stream)))
            {
                await using var sink = new TarChunkSink(encoder);
                var buffer = new byte[1 << 20];
                int read;
                while ((read = await tar.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    await sink.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }

                var unpackedDigest = await sink.CompleteAsync(cancellationToken);
                await encoder.CompleteAsync(cancellationToken);
                if (unpackedDigest != diffId)
                {
                    throw new LayerFormatException(LayerFormatReason.Malformed, null, $"{layer.Digest} holds {unpackedDigest}, but the image says {diffId}");
                }
            }

            blob = writer.Commit(null);
        }

        store.RecordLayerDiffId(layer.Digest, diffId);
        return blob;
    }
}
