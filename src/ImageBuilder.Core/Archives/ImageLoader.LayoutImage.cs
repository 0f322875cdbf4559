using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;

namespace ImageBuilder.Core.Archives;

// One image taken from an OCI image layout on disk (a build's --build-context NAME=oci-layout://…).
public sealed partial class ImageLoader
{
    /// <summary>
    /// The entry of the layout's <c>index.json</c> that <paramref name="tag"/> names, as buildx picks it:
    /// the entry whose <c>io.containerd.image.name</c>, then whose <c>org.opencontainers.image.ref.name</c>,
    /// is the tag; else the only entry. With <paramref name="digest"/>, the entry of that digest.
    /// </summary>
    /// <exception cref="ArchiveFormatException">No index.json, or no entry the tag or digest picks (the message lists the tags there are).</exception>
    public static Descriptor FindInLayout(string root, string tag, Digest? digest)
    {
        var indexPath = Path.Combine(root, "index.json");
        if (!File.Exists(indexPath))
        {
            throw new ArchiveFormatException($"{root} is not an OCI image layout (it has no index.json)");
        }

        var index = ReadDocument<ImageIndex>(indexPath, "index.json");
        if (digest is { } wanted)
        {
            return index.Manifests.FirstOrDefault(m => m.Digest == wanted)
                ?? new Descriptor { MediaType = MediaTypeOf(root, wanted), Digest = wanted, Size = new FileInfo(BlobIn(root, wanted)).Length };
        }

        string? Annotation(Descriptor entry, string key) => entry.Annotations?.GetValueOrDefault(key);
        var found = index.Manifests.FirstOrDefault(m => Annotation(m, ContentStore.ImageNameAnnotation) == tag)
            ?? index.Manifests.FirstOrDefault(m => Annotation(m, ContentStore.RefNameAnnotation) == tag)
            ?? (index.Manifests.Count == 1 ? index.Manifests[0] : null);
        if (found is null)
        {
            var tags = index.Manifests.Select(m => Annotation(m, ContentStore.RefNameAnnotation)).OfType<string>().Distinct().ToList();
            throw new ArchiveFormatException($"the OCI layout {root} has no image tagged \"{tag}\" (it lists {index.Manifests.Count} images"
                + (tags.Count > 0 ? $", tagged {string.Join(", ", tags)})" : ", none tagged)"));
        }

        return found;
    }

    /// <summary>
    /// Takes the image of <paramref name="entry"/> (an image, or a multi-platform index: its
    /// <paramref name="platform"/> image) from the layout into the store, checked as a load checks it,
    /// unnamed. Null when the index has no image for the platform.
    /// </summary>
    /// <exception cref="ArchiveFormatException">A blob is missing or damaged, or a document is not valid.</exception>
    public async Task<ImageRecord?> LoadFromLayoutAsync(string root, Descriptor entry, Platform platform, CancellationToken cancellationToken)
    {
        using var protect = store.ProtectNewContent();
        var descriptor = entry;
        for (var depth = 0; MediaTypes.IsIndex(descriptor.MediaType); depth++)
        {
            if (depth > 4)
            {
                throw new ArchiveFormatException("image indexes nest too deeply");
            }

            var nested = ReadDocument<ImageIndex>(BlobIn(root, descriptor.Digest), $"index {descriptor.Digest}");
            if (PlatformMatcher.Select(nested, platform) is not { } chosen)
            {
                return null;
            }

            descriptor = chosen;
        }

        if (!MediaTypes.IsManifest(descriptor.MediaType))
        {
            throw new ArchiveFormatException($"{descriptor.Digest} is \"{descriptor.MediaType}\", not an image manifest");
        }

        var image = await ReadImageAsync(root, descriptor, [], cancellationToken);
        await VerifyAsync(image, cancellationToken);
        return Tag(image, named: false);
    }

    /// <summary>The media type of a blob named by digest alone: what its JSON says it is (an index has manifests).</summary>
    private static string MediaTypeOf(string root, Digest digest)
    {
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(BlobIn(root, digest)));
            return json.RootElement.TryGetProperty("mediaType", out var type) && type.GetString() is { Length: > 0 } written ? written
                : json.RootElement.TryGetProperty("manifests", out _) ? MediaTypes.OciIndex : MediaTypes.OciManifest;
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ArchiveFormatException($"blob {digest} is not an image or an index: {e.Message}");
        }
    }
}
