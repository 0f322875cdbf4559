using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;

namespace ImageBuilder.Core.Archives;

/// <summary>
/// <c>ibuild load</c>: takes images from a docker-save archive (the classic layout and the
/// newer one that is also an OCI layout), an OCI archive, or an OCI layout directory, into
/// the store, keeping the names they carry. Nothing is trusted: every blob is checked against
/// its digest, every descriptor's media type and size against the blob, and every layer
/// against the config's diff_ids — always, also when the store has its snapshot already.
/// Only when every image of the archive passes are manifests written and names moved, so a
/// refused load leaves every tag where it was (and at most whole blobs nothing references,
/// which prune removes).
/// </summary>
public sealed partial class ImageLoader(ContentStore store, LayerUnpacker unpacker)
{
    /// <summary>Loads from <paramref name="path"/> (a file or an OCI layout directory).</summary>
    public async Task<IReadOnlyList<ImageRecord>> LoadAsync(string path, CancellationToken cancellationToken)
    {
        using var protect = store.ProtectNewContent();
        if (Directory.Exists(path))
        {
            return await CommitAllAsync(await ReadLayoutAsync(path, cancellationToken), cancellationToken);
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

    /// <summary>
    /// Checks an image whose blobs are all in the store (descriptors, layers against diff_ids,
    /// snapshots made where missing), then stores the manifest and names the image. <c>pull</c>
    /// ends here; the caller holds <see cref="ContentStore.ProtectNewContent"/>.
    /// </summary>
    /// <exception cref="ArchiveFormatException">A descriptor or a layer does not match what the image says.</exception>
    /// <remarks>Without <paramref name="named"/> the image gets no entry of its own: an index that names it is stored next.</remarks>
    public async Task<ImageRecord> CommitAsync(
        ImageManifest manifest, ImageConfig config, IReadOnlyList<ImageReference> names, CancellationToken cancellationToken,
        byte[]? manifestBytes = null, bool named = true)
    {
        var image = new PendingImage(manifest, config, names, manifestBytes);
        await VerifyAsync(image, cancellationToken);
        return Tag(image, named);
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
                return await CommitAllAsync(await ReadDockerArchiveAsync(scratch, cancellationToken), cancellationToken);
            }

            if (File.Exists(Path.Combine(scratch, "index.json")))
            {
                return await CommitAllAsync(await ReadLayoutAsync(scratch, cancellationToken), cancellationToken);
            }

            throw new ArchiveFormatException($"{path} is neither a docker archive (no manifest.json) nor an OCI archive (no index.json)");
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>Every image verified first, then every one tagged: one bad image refuses the whole archive.</summary>
    private async Task<IReadOnlyList<ImageRecord>> CommitAllAsync(IReadOnlyList<PendingImage> images, CancellationToken cancellationToken)
    {
        if (images.Count == 0)
        {
            throw new ArchiveFormatException("the archive lists no image");
        }

        foreach (var image in images)
        {
            await VerifyAsync(image, cancellationToken);
        }

        var records = new List<ImageRecord>();
        var indexes = new HashSet<Digest>();
        foreach (var image in images)
        {
            var record = Tag(image, named: image.Index is null);
            if (image.Index is not { } index)
            {
                records.Add(record);
            }
            else if (indexes.Add(index.Digest))
            {
                // The first image of a multi-platform image names its index (untagged without a
                // name), and stands for it in what load reports.
                if (image.Names.Count == 0)
                {
                    store.Tag(index, null);
                }

                foreach (var name in image.Names)
                {
                    store.Tag(index, name);
                }

                records.Add(record);
            }
        }

        return records;
    }

    private ImageRecord Tag(PendingImage image) => Tag(image, named: true);

    private ImageRecord Tag(PendingImage image, bool named)
    {
        // A manifest that came with the image keeps its exact bytes, so its digest stays the same.
        var manifestBytes = image.ManifestBytes ?? OciJson.Serialize(image.Manifest);
        var descriptor = new Descriptor
        {
            MediaType = image.Manifest.MediaType ?? MediaTypes.OciManifest,
            Digest = store.WriteBlob(manifestBytes),
            Size = manifestBytes.Length,
        };
        if (image.Names.Count == 0 && named)
        {
            store.Tag(descriptor, null);
        }

        foreach (var name in named ? image.Names : [])
        {
            store.Tag(descriptor, name);
        }

        return new ImageRecord(descriptor, image.Manifest, image.Config, image.Names);
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

    /// <summary>An image read from an archive whose blobs are in the store, not yet checked or tagged.</summary>
    /// <summary>
    /// An image to commit; one of a multi-platform image (<see cref="Index"/>, whose blob is in the
    /// store already) gets no entry of its own, and the index takes <see cref="Names"/> once all of
    /// them are committed (the first of them carries it).
    /// </summary>
    private sealed record PendingImage(ImageManifest Manifest, ImageConfig Config, IReadOnlyList<ImageReference> Names, byte[]? ManifestBytes)
    {
        public Descriptor? Index { get; init; }
    }
}
