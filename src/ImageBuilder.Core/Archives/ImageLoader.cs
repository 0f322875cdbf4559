using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;

namespace ImageBuilder.Core.Archives;

/// <summary>
/// <c>ibuild load</c>: takes images from a docker-save archive (the classic layout and the
/// newer one that is also an OCI layout), an OCI archive, or an OCI layout directory, into
/// the store, keeping the names they carry. Every blob is checked against its digest, every
/// layer is unpacked once into its snapshot and checked against the config's diff_ids.
/// </summary>
public sealed partial class ImageLoader(ContentStore store, LayerUnpacker unpacker)
{
    /// <summary>Loads from <paramref name="path"/> (a file or an OCI layout directory).</summary>
    public async Task<IReadOnlyList<ImageRecord>> LoadAsync(string path, CancellationToken cancellationToken)
    {
        using var protect = store.ProtectNewContent();
        if (Directory.Exists(path))
        {
            return await LoadLayoutAsync(path, cancellationToken);
        }

        await using var archive = File.OpenRead(path);
        return await LoadExtractedAsync(archive, path, cancellationToken);
    }

    /// <summary>Loads an archive read from a stream (e.g. standard input).</summary>
    public async Task<IReadOnlyList<ImageRecord>> LoadAsync(Stream archive, CancellationToken cancellationToken)
    {
        using var protect = store.ProtectNewContent();
        return await LoadExtractedAsync(archive, "the input", cancellationToken);
    }

    private async Task<IReadOnlyList<ImageRecord>> LoadExtractedAsync(Stream archive, string path, CancellationToken cancellationToken)
    {
        var scratch = store.NewTemporaryPath();
        Directory.CreateDirectory(scratch);
        try
        {
            await ArchiveExtractor.ExtractAsync(archive, scratch, cancellationToken);

            if (File.Exists(Path.Combine(scratch, "manifest.json")))
            {
                return await LoadDockerArchiveAsync(scratch, cancellationToken);
            }

            if (File.Exists(Path.Combine(scratch, "index.json")))
            {
                return await LoadLayoutAsync(scratch, cancellationToken);
            }

            throw new ArchiveFormatException($"{path} is neither a docker archive (no manifest.json) nor an OCI archive (no index.json)");
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private async Task<IReadOnlyList<ImageRecord>> LoadDockerArchiveAsync(string root, CancellationToken cancellationToken)
    {
        var loaded = new List<ImageRecord>();
        foreach (var entry in DockerArchiveManifest.Read(await File.ReadAllBytesAsync(Path.Combine(root, "manifest.json"), cancellationToken)))
        {
            var configBytes = await File.ReadAllBytesAsync(InArchive(root, entry.Config), cancellationToken);
            var config = ReadConfig(configBytes);
            var configDigest = store.WriteBlob(configBytes);
            var layers = new List<Descriptor>();
            foreach (var layerPath in entry.Layers)
            {
                layers.Add(await StoreLayerFileAsync(InArchive(root, layerPath), cancellationToken));
            }

            var manifest = new ImageManifest
            {
                MediaType = MediaTypes.OciManifest,
                Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = configDigest, Size = configBytes.Length },
                Layers = layers,
            };
            var names = (entry.RepoTags ?? []).Select(ParseName).OfType<ImageReference>().ToList();
            loaded.Add(await CommitAsync(manifest, config, names, cancellationToken));
        }

        return loaded;
    }

    private async Task<Descriptor> StoreLayerFileAsync(string path, CancellationToken cancellationToken)
    {
        var head = new byte[4];
        await using (var probe = File.OpenRead(path))
        {
            await probe.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        }

        var compression = head[0] == 0x1f && head[1] == 0x8b ? LayerCompression.Gzip
            : head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd ? LayerCompression.Zstd
            : LayerCompression.None;
        await using var file = File.OpenRead(path);
        var (digest, size) = await store.WriteBlobAsync(file, null, cancellationToken);
        return new Descriptor { MediaType = MediaTypes.OciLayerFor(compression), Digest = digest, Size = size };
    }

    /// <summary>
    /// Unpacks the layers (whose blobs are in the store) into snapshots where missing, checking
    /// diff_ids, stores the manifest and names the image. <c>load</c> and <c>pull</c> end here;
    /// the caller holds <see cref="ContentStore.ProtectNewContent"/>.
    /// </summary>
    public async Task<ImageRecord> CommitAsync(
        ImageManifest manifest, ImageConfig config, IReadOnlyList<ImageReference> names, CancellationToken cancellationToken,
        byte[]? manifestBytes = null)
    {
        if (manifest.Layers.Count != config.RootFs.DiffIds.Count)
        {
            throw new ArchiveFormatException(
                $"the image has {manifest.Layers.Count} layers but its config lists {config.RootFs.DiffIds.Count} diff_ids");
        }

        await store.UnpackSnapshotsAsync(manifest.Layers, config.RootFs.DiffIds, unpacker, cancellationToken);

        // A manifest that came with the image keeps its exact bytes, so its digest stays the same.
        manifestBytes ??= OciJson.Serialize(manifest);
        var descriptor = new Descriptor
        {
            MediaType = manifest.MediaType ?? MediaTypes.OciManifest,
            Digest = store.WriteBlob(manifestBytes),
            Size = manifestBytes.Length,
        };
        if (names.Count == 0)
        {
            store.Tag(descriptor, null);
        }

        foreach (var name in names)
        {
            store.Tag(descriptor, name);
        }

        return new ImageRecord(descriptor, manifest, config, names);
    }

    private static ImageConfig ReadConfig(byte[] bytes)
    {
        try
        {
            return OciJson.Deserialize<ImageConfig>(bytes);
        }
        catch (OciFormatException e)
        {
            throw new ArchiveFormatException($"the image config is not valid: {e.Message}");
        }
    }

    private static ImageReference? ParseName(string name) =>
        ImageReference.TryParse(name, out var reference, out _) ? reference : null;

    private static string InArchive(string root, string name)
    {
        var full = Path.GetFullPath(Path.Combine(root, name));
        return full.StartsWith(root + "/", StringComparison.Ordinal) && File.Exists(full)
            ? full
            : throw new ArchiveFormatException($"the archive names \"{name}\" but does not hold it");
    }

}
