using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;

namespace ImageBuilder.Core.Archives;

// OCI image layouts (a directory, or an OCI archive extracted into scratch).
public sealed partial class ImageLoader
{
    private async Task<IReadOnlyList<PendingImage>> ReadLayoutAsync(string root, CancellationToken cancellationToken)
    {
        var index = ReadDocument<ImageIndex>(Path.Combine(root, "index.json"), "index.json");
        var images = new List<PendingImage>();
        foreach (var entry in index.Manifests)
        {
            if (await ReadMultiPlatformAsync(root, entry, cancellationToken) is { } whole)
            {
                images.AddRange(whole);
                continue;
            }

            var descriptor = ChoosePlatform(root, entry);
            if (!MediaTypes.IsManifest(descriptor.MediaType))
            {
                throw new ArchiveFormatException($"index.json lists {descriptor.Digest} as \"{descriptor.MediaType}\", which is not an image manifest");
            }

            var names = NameOf(entry) is { } name ? new[] { name } : [];
            images.Add(await ReadImageAsync(root, descriptor, names, cancellationToken));
        }

        return images;
    }

    private async Task<PendingImage> ReadImageAsync(string root, Descriptor descriptor, IReadOnlyList<ImageReference> names, CancellationToken cancellationToken)
    {
        var manifestBytes = await CopyBlobAsync(root, descriptor, "manifest", isLayer: false, cancellationToken);
        var manifest = ReadDocument<ImageManifest>(manifestBytes, $"manifest {descriptor.Digest}");
        var configBytes = await CopyBlobAsync(root, manifest.Config, "config", isLayer: false, cancellationToken);
        var config = ReadConfig(configBytes);
        for (var i = 0; i < manifest.Layers.Count; i++)
        {
            await CopyBlobAsync(root, manifest.Layers[i], $"layer {i + 1}", isLayer: true, cancellationToken);
        }

        return new PendingImage(manifest, config, names, manifestBytes);
    }

    /// <summary>
    /// An entry that is a multi-platform image whose every entry the layout holds (what <c>ibuild
    /// save --format oci</c> writes): every platform's image, kept whole under the entry's name, the
    /// index with its bytes (its digest); entries that are not a platform's image (attestations) are
    /// copied as blobs. Null for anything else: then this machine's platform is taken, as before.
    /// </summary>
    private async Task<IReadOnlyList<PendingImage>?> ReadMultiPlatformAsync(string root, Descriptor entry, CancellationToken cancellationToken)
    {
        if (!MediaTypes.IsIndex(entry.MediaType))
        {
            return null;
        }

        var nested = ReadDocument<ImageIndex>(BlobIn(root, entry.Digest), $"index {entry.Digest}");
        bool IsImage(Descriptor d) => MediaTypes.IsManifest(d.MediaType) && d.Platform is { Os: not "unknown" };
        if (!nested.Manifests.Any(IsImage) || nested.Manifests.Any(d => !MediaTypes.IsManifest(d.MediaType) || !HasBlob(root, d.Digest)))
        {
            return null;
        }

        await CopyBlobAsync(root, entry, "index", isLayer: false, cancellationToken);
        var descriptor = entry with { Annotations = null };
        var names = NameOf(entry) is { } name ? new[] { name } : [];
        var images = new List<PendingImage>();
        foreach (var manifest in nested.Manifests)
        {
            if (!IsImage(manifest))
            {
                var bytes = await CopyBlobAsync(root, manifest, "manifest", isLayer: false, cancellationToken);
                var kept = ReadDocument<ImageManifest>(bytes, $"manifest {manifest.Digest}");
                foreach (var blob in kept.Layers.Append(kept.Config))
                {
                    await CopyBlobAsync(root, blob, "blob", isLayer: false, cancellationToken);
                }

                continue;
            }

            images.Add(await ReadImageAsync(root, manifest, images.Count == 0 ? names : [], cancellationToken) with { Index = descriptor });
        }

        return images;
    }

    private static bool HasBlob(string root, Digest digest) => File.Exists(Path.Combine(root, "blobs", digest.Algorithm, digest.Encoded));

    /// <summary>An index entry may itself be an index (a multi-platform image): take this machine's platform.</summary>
    private static Descriptor ChoosePlatform(string root, Descriptor entry)
    {
        var current = entry;
        for (var depth = 0; MediaTypes.IsIndex(current.MediaType); depth++)
        {
            if (depth > 4)
            {
                throw new ArchiveFormatException("image indexes nest too deeply");
            }

            var nested = ReadDocument<ImageIndex>(BlobIn(root, current.Digest), $"index {current.Digest}");
            var platform = Platform.Current;
            current = nested.Manifests.FirstOrDefault(m => m.Platform is { } p && p.Os == platform.Os && p.Architecture == platform.Architecture)
                ?? nested.Manifests.FirstOrDefault()
                ?? throw new ArchiveFormatException($"index {current.Digest} lists no manifest");
        }

        return current;
    }

    /// <summary>
    /// Copies a blob of the layout into the store (a layer the store holds already is not copied
    /// again: the digest names the same bytes), checking its digest and the descriptor's size.
    /// Returns the bytes of a manifest or config; a layer's are not read.
    /// </summary>
    private async Task<byte[]> CopyBlobAsync(string root, Descriptor descriptor, string role, bool isLayer, CancellationToken cancellationToken)
    {
        var path = BlobIn(root, descriptor.Digest);
        var size = new FileInfo(path).Length;
        if (size != descriptor.Size)
        {
            throw new ArchiveFormatException($"the {role} {descriptor.Digest} is {size} bytes, but its descriptor says {descriptor.Size}");
        }

        if (!isLayer || !store.HasBlob(descriptor.Digest))
        {
            await using var file = File.OpenRead(path);
            try
            {
                await store.WriteBlobAsync(file, descriptor.Digest, cancellationToken);
            }
            catch (StoreException e) when (e.Reason == StoreError.DigestMismatch)
            {
                throw new ArchiveFormatException($"the {role} {descriptor.Digest} in the archive is damaged: {e.Message}");
            }
        }

        return isLayer ? [] : await File.ReadAllBytesAsync(path, cancellationToken);
    }

    private static ImageReference? NameOf(Descriptor entry)
    {
        if (entry.Annotations is not { } annotations)
        {
            return null;
        }

        foreach (var key in new[] { ContentStore.ImageNameAnnotation, ContentStore.RefNameAnnotation })
        {
            if (annotations.TryGetValue(key, out var value) && ParseName(value) is { } name)
            {
                return name;
            }
        }

        return null;
    }

    private static string BlobIn(string root, Digest digest)
    {
        var path = Path.Combine(root, "blobs", digest.Algorithm, digest.Encoded);
        return File.Exists(path) ? path : throw new ArchiveFormatException($"the layout lacks blob {digest}");
    }

    private static T ReadDocument<T>(string path, string what)
        where T : class => ReadDocument<T>(File.ReadAllBytes(path), what);

    private static T ReadDocument<T>(byte[] bytes, string what)
        where T : class
    {
        try
        {
            return OciJson.Deserialize<T>(bytes);
        }
        catch (OciFormatException e)
        {
            throw new ArchiveFormatException($"{what} is not valid: {e.Message}");
        }
    }
}
