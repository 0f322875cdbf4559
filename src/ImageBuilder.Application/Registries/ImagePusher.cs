using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;
using ImageBuilder.Core.Tracing;
using ImageBuilder.Registry;

namespace ImageBuilder.Application.Registries;

/// <summary>
/// <c>ibuild push</c> (and <c>build --push</c>): each layer given gzip compression (once per
/// store, by <see cref="LayerRecompressor"/>; the store keeps them uncompressed) and pushed as
/// soon as it is compressed, <see cref="Parallelism"/> layers at once, so that one layer's upload
/// overlaps another's compression (nothing is asked about a blob this store pushed to or pulled
/// from the repository before; a HEAD skips what the repository has; a layer pulled from another
/// repository of the registry is mounted from there); then the config, then the manifest.
/// Returns the manifest's digest. Its lines are held until every layer is converted: converting
/// a layer a build has not written may need rootless ibuild's user namespace, and the push then
/// runs again inside, which prints them again.
/// </summary>
public sealed class ImagePusher(ContentStore store, RegistryAccess registries, Action<string> log)
{
    /// <summary>Blobs sent at once.</summary>
    public const int Parallelism = 4;

    private readonly HeldLines lines = new(log);

    // Blobs taken as already in the repository without asking (this push's).
    private int skipped;

    public async Task<Digest> PushAsync(ImageRecord image, ImageReference destination, CancellationToken cancellationToken)
    {
        try
        {
            var digest = await PushImageAsync(image, destination, cancellationToken);
            lines.Release();
            return digest;
        }
        catch (Exception e) when (e is not UserNamespaceRequiredException)
        {
            // Said with the error; not when the push must run again inside the user namespace.
            lines.Release();
            throw;
        }
    }

    /// <summary>Makes the repository hold every blob (from the store, written already: nothing is held), <see cref="Parallelism"/> at once.</summary>
    internal Task PushBlobsAsync(IRegistryClient client, string repository, IEnumerable<Descriptor> blobs, CancellationToken cancellationToken)
    {
        lines.Release();
        return PushEachBlobAsync(client, repository, blobs, cancellationToken);
    }

    private async Task<Digest> PushImageAsync(ImageRecord image, ImageReference destination, CancellationToken cancellationToken)
    {
        using var protect = store.ProtectNewContent();
        var client = registries.Client(destination.Registry);
        var repository = destination.Repository;
        lines.Write($"The push refers to repository [{destination.Registry}/{repository}]");
        var recompressor = new LayerRecompressor(store);
        var known = $"{destination.Registry}/{repository}";
        var layers = await ConvertAndPushLayersAsync(recompressor, image, client, repository, known, cancellationToken);
        lines.Release();
        var converted = recompressor.WithLayers(image, layers);
        Descriptor[] blobs = [.. converted.Manifest.Layers, converted.Manifest.Config];
        await PushBlobAsync(client, repository, converted.Manifest.Config, known, cancellationToken);
        var manifest = store.ReadBlob(converted.ManifestDescriptor.Digest);
        var reference = destination.Tag ?? destination.Digest?.ToString() ?? ImageReference.DefaultTag;
        var mediaType = converted.ManifestDescriptor.MediaType ?? MediaTypes.OciManifest;
        Digest digest;
        try
        {
            digest = await client.PushManifestAsync(repository, reference, manifest, mediaType, cancellationToken);
        }
        catch (RegistryException e) when (e.ErrorCode is "MANIFEST_BLOB_UNKNOWN" or "BLOB_UNKNOWN" || (Volatile.Read(ref skipped) > 0 && e.StatusCode is 400 or 404))
        {
            // A blob this store pushed there earlier is gone (deleted, garbage-collected; registries
            // say so with MANIFEST_BLOB_UNKNOWN, some with a bare 400 or 404): check every one, then again.
            lines.Write($"{destination.ToFamiliarString()}: the registry no longer has every blob pushed there before; checking each");
            await PushEachBlobAsync(client, repository, blobs, cancellationToken);
            digest = await client.PushManifestAsync(repository, reference, manifest, mediaType, cancellationToken);
        }

        store.RecordBlobSources(blobs.Select(b => b.Digest), known);
        lines.Write($"{destination.ToFamiliarString()}: digest: {digest} size: {manifest.Length}");
        return digest;
    }

    /// <summary>The image's layers in gzip (in order), each pushed once it is: the same layer twice is converted and pushed once.</summary>
    private async Task<Descriptor[]> ConvertAndPushLayersAsync(
        LayerRecompressor recompressor, ImageRecord image, IRegistryClient client, string repository, string known, CancellationToken cancellationToken)
    {
        var layers = image.Manifest.Layers;
        var converted = new Descriptor[layers.Count];
        var distinct = Enumerable.Range(0, layers.Count).GroupBy(i => layers[i].Digest).ToList();
        var toConvert = distinct.Count;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(distinct, options, async (same, token) =>
        {
            var first = same.First();
            var layer = await recompressor.ConvertLayerAsync(layers[first], image.Config.RootFs.DiffIds[first], LayerCompression.Gzip, token);
            foreach (var index in same)
            {
                converted[index] = layer;
            }

            if (Interlocked.Decrement(ref toConvert) == 0)
            {
                lines.Release();
            }

            await PushBlobAsync(client, repository, layer, known, token);
        });
        return converted;
    }

    private async Task PushEachBlobAsync(IRegistryClient client, string repository, IEnumerable<Descriptor> blobs, CancellationToken cancellationToken)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(blobs.DistinctBy(b => b.Digest).ToList(), options, (blob, token) => new ValueTask(PushBlobAsync(client, repository, blob, null, token)));
    }

    /// <summary>
    /// Makes the repository hold the blob. One this store pushed to (or pulled from)
    /// <paramref name="known"/> before is taken as there, without asking: if it is not, the
    /// manifest's push says so, and then every blob is checked.
    /// </summary>
    private async Task PushBlobAsync(IRegistryClient client, string repository, Descriptor blob, string? known, CancellationToken cancellationToken)
    {
        if (known is not null && store.HasBlobSource(blob.Digest, known))
        {
            Interlocked.Increment(ref skipped);
            lines.Write($"{blob.Digest.Encoded[..12]}: layer already exists");
            return;
        }

        var mountFrom = store.BlobMountSource(blob.Digest, client.Registry, repository);
        BlobPushResult result;
        using (var phase = BuildTrace.Phase("upload").Arg("bytes", blob.Size))
        {
            result = await client.PushBlobAsync(repository, blob, () => store.OpenBlob(blob.Digest), mountFrom, cancellationToken);
            phase.Arg("result", result.ToString().ToLowerInvariant());
        }

        var name = blob.Digest.Encoded[..12];
        lines.Write(result switch
        {
            BlobPushResult.AlreadyExists => $"{name}: layer already exists",
            BlobPushResult.Mounted => $"{name}: mounted from {mountFrom}",
            _ => $"{name}: pushed ({ByteSize.Decimal(blob.Size)})",
        });
    }

    /// <summary>Lines held until <see cref="Release"/>, then written as they come; in the order they came, whatever the thread.</summary>
    private sealed class HeldLines(Action<string> log)
    {
        private readonly Lock gate = new();
        private List<string>? held = [];

        public void Write(string line)
        {
            lock (gate)
            {
                if (held is not null)
                {
                    held.Add(line);
                }
                else
                {
                    log(line);
                }
            }
        }

        public void Release()
        {
            lock (gate)
            {
                held?.ForEach(log);
                held = null;
            }
        }
    }
}
