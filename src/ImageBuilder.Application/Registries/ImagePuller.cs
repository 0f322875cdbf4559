using ImageBuilder.Core.Archives;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;
using ImageBuilder.Registry;

namespace ImageBuilder.Application.Registries;

/// <summary>
/// <c>ibuild pull</c> (and a build's FROM of an image the store lacks): the reference resolved
/// to this platform's manifest, its config and layers fetched into the content store through
/// <see cref="BlobWriter"/>s (digest-checked as they stream; blobs the store has are skipped;
/// a kill leaves only scratch, which the next command removes), then committed as
/// <c>load</c> commits: layers unpacked once into snapshots (by the machine's tree writer), the image named as the reference.
/// The manifest keeps the registry's bytes, so the image's digest is the registry's.
/// </summary>
public sealed class ImagePuller(ContentStore store, RegistryAccess registries, IFileTreeWriter treeWriter, Action<string> log)
{
    /// <summary>Layers fetched at once.</summary>
    public const int Parallelism = 4;

    /// <summary>Pulls <paramref name="platform"/>'s image of <paramref name="reference"/>, named so unless <paramref name="name"/> is false (kept untagged).</summary>
    public async Task<ImageRecord> PullAsync(ImageReference reference, Platform platform, CancellationToken cancellationToken, bool name = true)
    {
        using var protect = store.ProtectNewContent();
        var client = registries.Client(reference.Registry);
        var repository = reference.Repository;
        var (manifest, _) = await client.ResolveAsync(repository, reference.Digest?.ToString() ?? reference.Tag ?? ImageReference.DefaultTag, platform, cancellationToken);
        var image = manifest.AsImageManifest();
        log($"{reference.ToFamiliarString()}: pulling {manifest.Digest}");
        var configBytes = await FetchSmallBlobAsync(client, repository, image.Config, cancellationToken);
        var config = OciJson.Deserialize<ImageConfig>(configBytes);
        await FetchBlobsAsync(client, repository, image.Layers, cancellationToken);
        store.RecordBlobSources(image.Layers.Select(l => l.Digest), $"{reference.Registry}/{repository}");
        var unpacker = new LayerUnpacker(treeWriter);
        var record = await new ImageLoader(store, unpacker).CommitAsync(image, config, name ? [reference] : [], cancellationToken, manifest.Content);
        log($"{reference.ToFamiliarString()}: pulled, image id {record.Id}");
        return record;
    }

    /// <summary>
    /// <c>pull --platform all</c>: the whole index <paramref name="reference"/> names, kept with the
    /// registry's bytes (so its digest), every platform's image checked and unpacked as
    /// <see cref="PullAsync"/> does, unnamed (the index names them); entries that are not a
    /// platform's image (attestations, <c>unknown/unknown</c>) are kept as blobs. A single image is
    /// pulled as it is. Returns the id: the index digest (or the image's).
    /// </summary>
    public async Task<Digest> PullAllAsync(ImageReference reference, CancellationToken cancellationToken)
    {
        using var protect = store.ProtectNewContent();
        var client = registries.Client(reference.Registry);
        var repository = reference.Repository;
        var top = await client.GetManifestAsync(repository, reference.Digest?.ToString() ?? reference.Tag ?? ImageReference.DefaultTag, cancellationToken);
        if (!top.IsIndex)
        {
            return (await PullAsync(reference, Platform.Current, cancellationToken)).Id;
        }

        log($"{reference.ToFamiliarString()}: pulling index {top.Digest}");
        var loader = new ImageLoader(store, new LayerUnpacker(treeWriter));
        foreach (var entry in top.AsImageIndex().Manifests)
        {
            var fetched = await client.GetManifestAsync(repository, entry.Digest.ToString(), cancellationToken);
            if (fetched.IsIndex)
            {
                throw new RegistryException(RegistryErrorReason.Protocol,
                    $"{reference.ToFamiliarString()}: the index lists another index ({entry.Digest}), which pull --platform all does not keep; pull one --platform");
            }

            if (entry.Platform is null or { Os: "unknown" })
            {
                // Kept as it is (an attestation's statement): its blobs, not an image to unpack.
                var kept = fetched.AsImageManifest();
                await FetchBlobsAsync(client, repository, kept.Layers.Append(kept.Config), cancellationToken);
                store.WriteBlob(fetched.Content);
                continue;
            }

            var image = fetched.AsImageManifest();
            var config = OciJson.Deserialize<ImageConfig>(await FetchSmallBlobAsync(client, repository, image.Config, cancellationToken));
            await FetchBlobsAsync(client, repository, image.Layers, cancellationToken);
            store.RecordBlobSources(image.Layers.Select(l => l.Digest), $"{reference.Registry}/{repository}");
            await loader.CommitAsync(image, config, [], cancellationToken, fetched.Content, named: false);
            log($"{reference.ToFamiliarString()}: pulled {entry.Platform}, image id {image.Config.Digest}");
        }

        store.WriteBlob(top.Content);
        store.Tag(top.Descriptor, reference);
        log($"{reference.ToFamiliarString()}: pulled, index {top.Digest}");
        return top.Digest;
    }

    /// <summary>Fetches the blobs the store lacks, <see cref="Parallelism"/> at once.</summary>
    internal async Task FetchBlobsAsync(IRegistryClient client, string repository, IEnumerable<Descriptor> blobs, CancellationToken cancellationToken)
    {
        var missing = blobs.DistinctBy(b => b.Digest).ToList();
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(missing, options, async (blob, token) =>
        {
            var name = blob.Digest.Encoded[..12];
            if (store.HasBlob(blob.Digest))
            {
                log($"{name}: already exists");
                return;
            }

            await using var writer = store.BeginBlob();
            await client.PullBlobAsync(repository, blob, writer.Stream, token);
            writer.Commit(blob.Digest);
            log($"{name}: pulled ({ByteSize.Decimal(blob.Size)})");
        });
    }

    private async Task<byte[]> FetchSmallBlobAsync(IRegistryClient client, string repository, Descriptor blob, CancellationToken cancellationToken)
    {
        if (store.HasBlob(blob.Digest))
        {
            return store.ReadBlob(blob.Digest);
        }

        var bytes = await client.GetBlobBytesAsync(repository, blob, cancellationToken);
        var written = store.WriteBlob(bytes);
        return written == blob.Digest
            ? bytes
            : throw new RegistryException(RegistryErrorReason.DigestMismatch, $"{repository}: blob {blob.Digest} has digest {written}");
    }
}
