using System.Globalization;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;

namespace ImageBuilder.Core.Store;

public sealed partial class ContentStore
{
    /// <summary>The OCI annotation that names a manifest in an image layout: the familiar reference.</summary>
    public const string RefNameAnnotation = "org.opencontainers.image.ref.name";

    /// <summary>containerd's annotation with the full reference (docker.io/library/app:1).</summary>
    public const string ImageNameAnnotation = "io.containerd.image.name";

    /// <summary>Every image in the store, tagged or not, newest entries last.</summary>
    public IReadOnlyList<ImageRecord> ListImages()
    {
        var index = ReadIndex();
        var records = new List<ImageRecord>();
        foreach (var group in index.Manifests.Where(d => MediaTypes.IsManifest(d.MediaType)).GroupBy(d => d.Digest))
        {
            var tags = group.Select(TagOf).OfType<ImageReference>().ToList();
            if (HasBlob(group.Key))
            {
                records.Add(Load(group.First(), tags));
            }

            // An entry whose manifest is gone (a crash between writing index.json and the blobs
            // cannot cause it, but a hand-edited store can) is skipped; prune removes it.
        }

        return records;
    }

    /// <summary>
    /// The image <paramref name="reference"/> names, read alone (its manifest and config, not every
    /// image's): a build's FROM and most commands name an image by tag, and a store may hold many.
    /// </summary>
    private ImageRecord? Tagged(ImageReference reference)
    {
        var manifests = ReadIndex().Manifests.Where(d => MediaTypes.IsManifest(d.MediaType)).ToList();
        var named = manifests.FirstOrDefault(d => TagOf(d)?.ToString() == reference.ToString());
        if (named is null || !HasBlob(named.Digest))
        {
            return null;
        }

        var group = manifests.Where(d => d.Digest == named.Digest).ToList();
        return Load(group[0], group.Select(TagOf).OfType<ImageReference>().ToList());
    }

    /// <summary>Finds an image by name (<c>app</c>, <c>app:1</c>, <c>docker.io/library/app:1</c>), by id
    /// (config digest, <c>sha256:</c> optional, a unique prefix of at least 4 hex digits) or by manifest digest.</summary>
    /// <exception cref="StoreException">ImageNotFound or Ambiguous.</exception>
    /// <remarks>A multi-platform image gives its image for <paramref name="platform"/> (default: this machine's).</remarks>
    /// <exception cref="StoreException">Also ImageNotFound when <paramref name="platform"/> is given and the single image is of another.</exception>
    public ImageRecord ResolveImage(string nameOrId, Platform? platform = null)
    {
        if (FindIndex(nameOrId) is { } index)
        {
            return ImageFor(index, platform ?? Platform.Current, nameOrId);
        }

        var image = ResolveSingleImage(nameOrId);
        return platform is null || PlatformMatcher.Serves(image.Config.Platform, platform)
            ? image
            : throw new StoreException(StoreError.ImageNotFound, $"image \"{nameOrId}\" is {image.Config.Platform}, not {platform}");
    }

    private ImageRecord ResolveSingleImage(string nameOrId)
    {
        var parsed = ImageReference.TryParse(nameOrId, out var reference, out _);
        if (parsed && Tagged(reference) is { } named)
        {
            return named;
        }

        var images = ListImages();
        if (parsed)
        {
            if (reference.Digest is { } pinned && images.FirstOrDefault(i => i.ManifestDescriptor.Digest == pinned) is { } byDigest)
            {
                return byDigest;
            }
        }

        var hex = nameOrId.StartsWith("sha256:", StringComparison.Ordinal) ? nameOrId[7..] : nameOrId;
        if (hex.Length >= 4 && hex.All(char.IsAsciiHexDigitLower))
        {
            var matches = images.Where(i => i.Id.Encoded.StartsWith(hex, StringComparison.Ordinal)
                || i.ManifestDescriptor.Digest.Encoded.StartsWith(hex, StringComparison.Ordinal)).ToList();
            if (matches.Count == 1 || (matches.Count > 1 && matches.All(m => m.ManifestDescriptor.Digest == matches[0].ManifestDescriptor.Digest)))
            {
                return matches[0];
            }

            if (matches.Count > 1 && matches.All(m => m.Id == matches[0].Id))
            {
                // One image (same config) stored under several manifests, e.g. loaded from a docker
                // and from an OCI archive: it is one image to the user.
                return matches[0] with { Tags = matches.SelectMany(m => m.Tags).Distinct().ToList() };
            }

            if (matches.Count > 1)
            {
                throw new StoreException(StoreError.Ambiguous, $"\"{nameOrId}\" matches {matches.Count} images; give more of the id");
            }
        }

        throw new StoreException(StoreError.ImageNotFound, $"no image \"{nameOrId}\" in the store ({Root})");
    }

    /// <summary>Names the image whose manifest <paramref name="manifest"/> describes (replacing the
    /// tag's previous image, if any). Without a reference the image is kept untagged.</summary>
    /// <exception cref="StoreException">ImageNotFound when the image's content was pruned meanwhile.</exception>
    public void Tag(Descriptor manifest, ImageReference? reference)
    {
        using var held = Lock();
        RequireContent(manifest);
        var index = ReadIndex();
        var kept = index.Manifests.Where(d => reference is null
            ? !(d.Digest == manifest.Digest && TagOf(d) is null)
            : TagOf(d)?.ToString() != reference.ToString()).ToList();
        // The image that had this name before keeps existing, untagged (<none>), as in docker.
        foreach (var previous in index.Manifests.Where(d => reference is not null && TagOf(d)?.ToString() == reference.ToString()
                     && d.Digest != manifest.Digest && !kept.Any(k => k.Digest == d.Digest)))
        {
            kept.Add(previous with { Annotations = null });
        }
        var annotations = reference is null
            ? null
            : new Dictionary<string, string>
            {
                [RefNameAnnotation] = reference.ToFamiliarString(),
                [ImageNameAnnotation] = reference.ToString(),
            };
        kept.Add(new Descriptor
        {
            MediaType = manifest.MediaType,
            Digest = manifest.Digest,
            Size = manifest.Size,
            Platform = manifest.Platform,
            Annotations = annotations,
        });
        WriteIndex(index with { Manifests = kept });
    }

    /// <summary>Removes one name; returns false when no image had it.</summary>
    public bool Untag(ImageReference reference)
    {
        using var held = Lock();
        var index = ReadIndex();
        var kept = index.Manifests.Where(d => TagOf(d)?.ToString() != reference.ToString()).ToList();
        if (kept.Count == index.Manifests.Count)
        {
            return false;
        }

        WriteIndex(index with { Manifests = kept });
        return true;
    }

    /// <summary>Removes the index.json entries <paramref name="remove"/> picks (by their manifest digest and tag); returns how many went.</summary>
    public int RemoveIndexEntries(Func<Digest, ImageReference?, bool> remove)
    {
        using var held = Lock();
        var index = ReadIndex();
        var kept = index.Manifests.Where(d => !remove(d.Digest, TagOf(d))).ToList();
        if (kept.Count != index.Manifests.Count)
        {
            WriteIndex(index with { Manifests = kept });
        }

        return index.Manifests.Count - kept.Count;
    }

    /// <summary>Removes every entry of an image (every manifest with its config) from index.json;
    /// its content goes at the next prune.</summary>
    public void RemoveImage(ImageRecord image)
    {
        using var held = Lock();
        var index = ReadIndex();
        var manifests = ListImages().Where(i => i.Id == image.Id).Select(i => i.ManifestDescriptor.Digest)
            .Append(image.ManifestDescriptor.Digest).ToHashSet();
        WriteIndex(index with { Manifests = index.Manifests.Where(d => !manifests.Contains(d.Digest)).ToList() });
    }

    private void RequireContent(Descriptor manifest)
    {
        if (!HasBlob(manifest.Digest))
        {
            throw new StoreException(StoreError.ImageNotFound, $"image {manifest.Digest} is no longer in the store (pruned meanwhile?)");
        }

        if (MediaTypes.IsIndex(manifest.MediaType))
        {
            foreach (var entry in OciJson.Deserialize<ImageIndex>(ReadBlob(manifest.Digest)).Manifests)
            {
                RequireContent(entry);
            }

            return;
        }

        var image = OciJson.Deserialize<ImageManifest>(ReadBlob(manifest.Digest));
        foreach (var blob in image.Layers.Append(image.Config))
        {
            if (!HasBlob(blob.Digest))
            {
                throw new StoreException(StoreError.ImageNotFound, $"image {manifest.Digest} lost blob {blob.Digest} (pruned meanwhile?)");
            }
        }
    }

    internal ImageIndex ReadIndex()
    {
        try
        {
            return OciJson.Deserialize<ImageIndex>(FileSystem.File.ReadAllBytes(IndexPath));
        }
        catch (OciFormatException e)
        {
            throw new StoreException(StoreError.Corrupt, $"{IndexPath} is damaged: {e.Message}", e);
        }
    }

    private void WriteIndex(ImageIndex index) =>
        WriteFileAtomically(IndexPath, OciJson.Serialize(index with { MediaType = MediaTypes.OciIndex }));

    private ImageRecord Load(Descriptor descriptor, IReadOnlyList<ImageReference> tags)
    {
        try
        {
            var manifest = OciJson.Deserialize<ImageManifest>(ReadBlob(descriptor.Digest));
            var config = OciJson.Deserialize<ImageConfig>(ReadBlob(manifest.Config.Digest));
            return new ImageRecord(descriptor, manifest, config, tags);
        }
        catch (OciFormatException e)
        {
            throw new StoreException(StoreError.Corrupt, $"image {descriptor.Digest} in the store is damaged: {e.Message}", e);
        }
    }

    internal static ImageReference? TagOf(Descriptor descriptor)
    {
        if (descriptor.Annotations is not { } annotations)
        {
            return null;
        }

        var name = annotations.GetValueOrDefault(ImageNameAnnotation) ?? annotations.GetValueOrDefault(RefNameAnnotation);
        return name is not null && ImageReference.TryParse(name, out var reference, out _) ? reference : null;
    }

    internal static string ShortId(Digest id) => id.Encoded[..12].ToString(CultureInfo.InvariantCulture);
}
