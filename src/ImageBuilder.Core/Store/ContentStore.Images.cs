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
            records.Add(Load(group.First(), tags));
        }

        return records;
    }

    /// <summary>Finds an image by name (<c>app</c>, <c>app:1</c>, <c>docker.io/library/app:1</c>), by id
    /// (config digest, <c>sha256:</c> optional, a unique prefix of at least 4 hex digits) or by manifest digest.</summary>
    /// <exception cref="StoreException">ImageNotFound or Ambiguous.</exception>
    public ImageRecord ResolveImage(string nameOrId)
    {
        var images = ListImages();
        if (ImageReference.TryParse(nameOrId, out var reference, out _))
        {
            var named = images.FirstOrDefault(i => i.Tags.Any(t => t.ToString() == reference.ToString()));
            if (named is not null)
            {
                return named;
            }

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
            if (matches.Count == 1)
            {
                return matches[0];
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
    public void Tag(Descriptor manifest, ImageReference? reference)
    {
        using var held = Lock();
        var index = ReadIndex();
        var kept = index.Manifests.Where(d => reference is null
            ? !(d.Digest == manifest.Digest && TagOf(d) is null)
            : TagOf(d)?.ToString() != reference.ToString()).ToList();
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

    /// <summary>Removes every entry of an image from index.json (its content goes at the next prune).</summary>
    public void RemoveImage(ImageRecord image)
    {
        using var held = Lock();
        var index = ReadIndex();
        WriteIndex(index with { Manifests = index.Manifests.Where(d => d.Digest != image.ManifestDescriptor.Digest).ToList() });
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

    private static ImageReference? TagOf(Descriptor descriptor)
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
