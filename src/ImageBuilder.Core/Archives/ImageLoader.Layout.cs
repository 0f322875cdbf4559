using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;

namespace ImageBuilder.Core.Archives;

public sealed partial class ImageLoader
{
    private async Task<IReadOnlyList<ImageRecord>> LoadLayoutAsync(string root, CancellationToken cancellationToken)
    {
        var index = ReadDocument<ImageIndex>(Path.Combine(root, "index.json"));
        var loaded = new List<ImageRecord>();
        foreach (var entry in index.Manifests)
        {
            var descriptor = ChoosePlatform(root, entry);
            var manifestBytes = await CopyBlobAsync(root, descriptor, cancellationToken);
            var manifest = OciJson.Deserialize<ImageManifest>(manifestBytes);
            var configBytes = await CopyBlobAsync(root, manifest.Config, cancellationToken);
            var config = ReadConfig(configBytes);
            foreach (var layer in manifest.Layers)
            {
                await CopyBlobAsync(root, layer, cancellationToken);
            }

            var names = NameOf(entry) is { } name ? new[] { name } : [];
            loaded.Add(await CommitAsync(manifest, config, names, cancellationToken, manifestBytes));
        }

        return loaded;
    }

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

            var nested = ReadDocument<ImageIndex>(BlobIn(root, current.Digest));
            var platform = Platform.Current;
            current = nested.Manifests.FirstOrDefault(m => m.Platform is { } p && p.Os == platform.Os && p.Architecture == platform.Architecture)
                ?? nested.Manifests.FirstOrDefault()
                ?? throw new ArchiveFormatException($"index {current.Digest} lists no manifest");
        }

        return current;
    }

    private async Task<byte[]> CopyBlobAsync(string root, Descriptor descriptor, CancellationToken cancellationToken)
    {
        var path = BlobIn(root, descriptor.Digest);
        if (MediaTypes.IsLayer(descriptor.MediaType) && store.HasBlob(descriptor.Digest))
        {
            return [];
        }

        await using (var file = File.OpenRead(path))
        {
            try
            {
                await store.WriteBlobAsync(file, descriptor.Digest, cancellationToken);
            }
            catch (Store.StoreException e) when (e.Reason == Store.StoreError.DigestMismatch)
            {
                throw new ArchiveFormatException($"blob {descriptor.Digest} in the archive is damaged: {e.Message}");
            }
        }

        return MediaTypes.IsLayer(descriptor.MediaType) ? [] : await File.ReadAllBytesAsync(path, cancellationToken);
    }

    private static ImageReference? NameOf(Descriptor entry)
    {
        if (entry.Annotations is not { } annotations)
        {
            return null;
        }

        foreach (var key in new[] { Store.ContentStore.ImageNameAnnotation, Store.ContentStore.RefNameAnnotation })
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

    private static T ReadDocument<T>(string path)
        where T : class
    {
        try
        {
            return OciJson.Deserialize<T>(File.ReadAllBytes(path));
        }
        catch (OciFormatException e)
        {
            throw new ArchiveFormatException($"{Path.GetFileName(path)} is not valid: {e.Message}");
        }
    }
}
