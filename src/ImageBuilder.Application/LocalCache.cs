using ImageBuilder.Application.Registries;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;

namespace ImageBuilder.Application;

/// <summary>
/// The build cache in a directory (<c>--cache-to type=local,dest=DIR</c>, <c>--cache-from
/// type=local,src=DIR</c>), for a CI cache action to save and restore: the same cache
/// <see cref="RegistryCache"/> keeps in a registry (a manifest whose config lists the records and
/// whose layers are their gzip blobs), as an OCI image layout — <c>oci-layout</c>,
/// <c>index.json</c> naming the manifest, <c>blobs/sha256/</c>. Blobs are written beside their
/// place and renamed into it, index.json last, so an interrupted export leaves the previous cache
/// readable; an import checks every blob against its digest.
/// </summary>
public sealed class LocalCache(ContentStore store, Action<string> log)
{
    /// <summary>Exports the records of <paramref name="keys"/> and, packed, the cache mounts <paramref name="mountIds"/>.</summary>
    public async Task ExportAsync(string directory, IReadOnlyList<Digest> keys, IReadOnlyList<string> mountIds, IFileTreeReader reader, CancellationToken cancellationToken)
    {
        using var protect = store.ProtectNewContent();
        var entries = await RegistryCache.CollectAsync(store, keys, cancellationToken);
        var mounts = await CacheMounts.PackAsync(store, reader, mountIds, cancellationToken);
        var document = RegistryCache.Write(entries, mounts);
        var config = Descriptor.ForContent(RegistryCache.ConfigMediaType, document);
        var layers = RegistryCache.Layers(entries, mounts);
        var manifest = RegistryCache.Manifest(config, layers);
        Directory.CreateDirectory(BlobDirectory(directory));
        foreach (var layer in layers)
        {
            if (!File.Exists(BlobPath(directory, layer.Digest)))
            {
                await using var blob = store.OpenBlob(layer.Digest);
                await WriteAtomicallyAsync(BlobPath(directory, layer.Digest), blob, cancellationToken);
            }
        }

        await WriteAtomicallyAsync(BlobPath(directory, config.Digest), new MemoryStream(document), cancellationToken);
        var manifestDescriptor = Descriptor.ForContent(MediaTypes.OciManifest, manifest);
        await WriteAtomicallyAsync(BlobPath(directory, manifestDescriptor.Digest), new MemoryStream(manifest), cancellationToken);
        await WriteAtomicallyAsync(Path.Combine(directory, "oci-layout"), new MemoryStream(OciJson.Serialize(OciLayoutHeader.Current)), cancellationToken);
        var index = new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = [manifestDescriptor with { ArtifactType = RegistryCache.ArtifactType }] };
        await WriteAtomicallyAsync(Path.Combine(directory, "index.json"), new MemoryStream(OciJson.Serialize(index)), cancellationToken);
        log($"exported {entries.Count} cache records{RegistryCache.MountsNote(mounts)} and {layers.Count} layers to {directory}");
    }

    /// <summary>Imports the records the store lacks (a directory without a cache imports nothing, as BuildKit does).</summary>
    /// <exception cref="IOException">The directory holds something that is not an intact ibuild build cache.</exception>
    public async Task ImportAsync(string directory, IFileTreeWriter writer, CancellationToken cancellationToken)
    {
        using var protect = store.ProtectNewContent();
        var indexPath = Path.Combine(directory, "index.json");
        if (!File.Exists(indexPath))
        {
            log($"cache {directory} not found: nothing imported");
            return;
        }

        try
        {
            var index = OciJson.Deserialize<ImageIndex>(await File.ReadAllBytesAsync(indexPath, cancellationToken));
            var entry = index.Manifests.FirstOrDefault(m => m.ArtifactType == RegistryCache.ArtifactType)
                ?? throw new FormatException("its index.json names no ibuild build cache");
            var manifest = OciJson.Deserialize<ImageManifest>(await ReadCheckedAsync(directory, entry, cancellationToken));
            if (manifest.Config.MediaType != RegistryCache.ConfigMediaType)
            {
                throw new FormatException($"the cache's config is {manifest.Config.MediaType}");
            }

            var document = RegistryCache.Read(await ReadCheckedAsync(directory, manifest.Config, cancellationToken), directory);
            var needed = document.Entries.Where(e => store.FindCacheRecord(e.Key) is null).ToList();
            var mounts = CacheMounts.Missing(store, document.Mounts);
            var blobs = needed.Select(e => e.Record.Layer).OfType<Descriptor>().Concat(mounts.Select(m => m.Layer));
            foreach (var layer in blobs.DistinctBy(l => l.Digest).Where(l => !store.HasBlob(l.Digest)))
            {
                await using var file = File.OpenRead(BlobPath(directory, layer.Digest));
                if (file.Length != layer.Size)
                {
                    throw new FormatException($"blob {layer.Digest} is {file.Length} bytes, its record says {layer.Size}");
                }

                await store.WriteBlobAsync(file, layer.Digest, cancellationToken);
            }

            foreach (var (key, record) in needed)
            {
                store.WriteCacheRecord(key, record);
            }

            var restored = await CacheMounts.RestoreAsync(store, writer, mounts, cancellationToken);
            log($"imported {needed.Count} cache records{(restored > 0 ? $" and {restored} cache mounts" : "")} from {directory}");
        }
        catch (Exception e) when (e is FormatException or OciFormatException or FileNotFoundException or DirectoryNotFoundException or Registry.RegistryException
            || (e is StoreException { Reason: StoreError.DigestMismatch }))
        {
            throw new IOException($"{directory} is not an intact ibuild build cache: {e.Message}", e);
        }
    }

    private static string BlobDirectory(string directory) => Path.Combine(directory, "blobs", "sha256");

    private static string BlobPath(string directory, Digest digest) => Path.Combine(BlobDirectory(directory), digest.Encoded);

    /// <summary>A small blob's bytes, checked against its descriptor's digest.</summary>
    private static async Task<byte[]> ReadCheckedAsync(string directory, Descriptor descriptor, CancellationToken cancellationToken)
    {
        var bytes = await File.ReadAllBytesAsync(BlobPath(directory, descriptor.Digest), cancellationToken);
        return Digest.Sha256(bytes) == descriptor.Digest
            ? bytes
            : throw new FormatException($"blob {descriptor.Digest} does not have that digest");
    }

    /// <summary>Writes beside <paramref name="path"/>, then renames into it: a reader sees the old file or the whole new one.</summary>
    private static async Task WriteAtomicallyAsync(string path, Stream content, CancellationToken cancellationToken)
    {
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        try
        {
            await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
            {
                await content.CopyToAsync(file, cancellationToken);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
