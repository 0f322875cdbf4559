using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;
using ImageBuilder.Registry;

namespace ImageBuilder.Application.Registries;

/// <summary>
/// <c>ibuild push</c> (and <c>build --push</c>): the image's layers given gzip compression
/// (once per store, by <see cref="LayerRecompressor"/>; the store keeps them uncompressed), the
/// blobs pushed <see cref="Parallelism"/> at once (a HEAD skips what the repository has; a layer
/// pulled from another repository of the registry is mounted from there), then the config,
/// then the manifest. Returns the manifest's digest.
/// </summary>
public sealed class ImagePusher(ContentStore store, RegistryAccess registries, Action<string> log)
{
    /// <summary>Blobs sent at once.</summary>
    public const int Parallelism = 4;

    public async Task<Digest> PushAsync(ImageRecord image, ImageReference destination, CancellationToken cancellationToken)
    {
        using var protect = store.ProtectNewContent();
        var converted = await new LayerRecompressor(store).ConvertAsync(image, LayerCompression.Gzip, cancellationToken);
        var client = registries.Client(destination.Registry);
        var repository = destination.Repository;
        log($"pushing {converted.ManifestDescriptor.Digest} to {destination.ToFamiliarString()}");
        await PushBlobsAsync(client, repository, [.. converted.Manifest.Layers, converted.Manifest.Config], cancellationToken);
        var manifest = store.ReadBlob(converted.ManifestDescriptor.Digest);
        var reference = destination.Tag ?? destination.Digest?.ToString() ?? ImageReference.DefaultTag;
        var digest = await client.PushManifestAsync(repository, reference, manifest, converted.ManifestDescriptor.MediaType ?? MediaTypes.OciManifest, cancellationToken);
        store.RecordBlobSources(converted.Manifest.Layers.Select(l => l.Digest), $"{destination.Registry}/{repository}");
        log($"{destination.ToFamiliarString()}: digest: {digest} size: {manifest.Length}");
        return digest;
    }

    /// <summary>Makes the repository hold every blob (from the store), <see cref="Parallelism"/> at once.</summary>
    internal async Task PushBlobsAsync(IRegistryClient client, string repository, IEnumerable<Descriptor> blobs, CancellationToken cancellationToken)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(blobs.DistinctBy(b => b.Digest).ToList(), options, async (blob, token) =>
        {
            var mountFrom = store.BlobMountSource(blob.Digest, client.Registry, repository);
            var result = await client.PushBlobAsync(repository, blob, () => store.OpenBlob(blob.Digest), mountFrom, token);
            var name = blob.Digest.Encoded[..12];
            log(result switch
            {
                BlobPushResult.AlreadyExists => $"{name}: layer already exists",
                BlobPushResult.Mounted => $"{name}: mounted from {mountFrom}",
                _ => $"{name}: pushed ({ByteSize.Decimal(blob.Size)})",
            });
        });
    }
}
