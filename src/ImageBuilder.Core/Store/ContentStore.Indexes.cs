using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;

namespace ImageBuilder.Core.Store;

/// <summary>
/// Multi-platform images: a name in index.json may point at an OCI image index whose entries are
/// images of the store, one per platform (what <c>ibuild build --platform a,b</c> makes). The
/// images themselves have no entry of their own: the index keeps them (prune and fsck walk it).
/// </summary>
public sealed partial class ContentStore
{
    /// <summary>Writes an index of <paramref name="images"/> (each with its platform) and returns its descriptor, to name with <see cref="Tag"/>.</summary>
    public Descriptor WriteImageIndex(IReadOnlyList<(ImageRecord Image, Platform Platform)> images) => WriteImageIndex(images, []);

    /// <summary>Every multi-platform image in the store, tagged or not.</summary>
    public IReadOnlyList<IndexRecord> ListIndexes() =>
        [.. ReadIndex().Manifests.Where(d => MediaTypes.IsIndex(d.MediaType)).GroupBy(d => d.Digest)
            .Where(group => HasBlob(group.Key))
            .Select(group => LoadIndex(group.First(), [.. group.Select(TagOf).OfType<ImageReference>()]))];

    /// <summary>
    /// The multi-platform image <paramref name="nameOrId"/> names (a name, <c>name@digest</c>, or the
    /// index digest or a unique prefix of it); null when it names none: a single image (whose name
    /// wins, and whose id prefix makes a prefix ambiguous, left to <see cref="ResolveImage"/>), or
    /// nothing. Only the index it names is read.
    /// </summary>
    public IndexRecord? FindIndex(string nameOrId)
    {
        var entries = ReadIndex().Manifests;
        var indexes = entries.Where(d => MediaTypes.IsIndex(d.MediaType)).ToList();
        if (indexes.Count == 0)
        {
            return null;
        }

        Descriptor? chosen = null;
        if (ImageReference.TryParse(nameOrId, out var reference, out _))
        {
            if (entries.Any(d => MediaTypes.IsManifest(d.MediaType) && TagOf(d)?.ToString() == reference.ToString()))
            {
                return null;
            }

            chosen = indexes.FirstOrDefault(d => TagOf(d)?.ToString() == reference.ToString())
                ?? (reference.Digest is { } pinned ? indexes.FirstOrDefault(d => d.Digest == pinned) : null);
        }

        var hex = nameOrId.StartsWith("sha256:", StringComparison.Ordinal) ? nameOrId[7..] : nameOrId;
        if (chosen is null && hex.Length >= 4 && hex.All(char.IsAsciiHexDigitLower))
        {
            var matches = indexes.Where(d => d.Digest.Encoded.StartsWith(hex, StringComparison.Ordinal)).DistinctBy(d => d.Digest).ToList();
            var image = ListImages().Any(i => i.Id.Encoded.StartsWith(hex, StringComparison.Ordinal) || i.ManifestDescriptor.Digest.Encoded.StartsWith(hex, StringComparison.Ordinal));
            chosen = matches.Count == 1 && !image ? matches[0] : null;
        }

        if (chosen is null || !HasBlob(chosen.Digest))
        {
            return null;
        }

        return LoadIndex(chosen, [.. indexes.Where(d => d.Digest == chosen.Digest).Select(TagOf).OfType<ImageReference>()]);
    }

    /// <summary>
    /// <paramref name="index"/>'s image for <paramref name="platform"/> (as containerd matches
    /// platforms), with the index's names.
    /// </summary>
    /// <exception cref="StoreException">ImageNotFound, naming the platforms the index has.</exception>
    public static ImageRecord ImageFor(IndexRecord index, Platform platform, string name)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (PlatformMatcher.Select(index.Index, platform) is { } entry && index.Images.FirstOrDefault(i => i.ManifestDescriptor.Digest == entry.Digest) is { } image)
        {
            return image with { Tags = index.Tags };
        }

        throw new StoreException(StoreError.ImageNotFound,
            $"image \"{name}\" has no {platform} image: it is built for {string.Join(", ", index.Platforms)}");
    }

    /// <summary>The multi-platform image the index blob <paramref name="descriptor"/> names, with <paramref name="tags"/>.</summary>
    public IndexRecord LoadIndex(Descriptor descriptor, IReadOnlyList<ImageReference> tags)
    {
        try
        {
            var index = OciJson.Deserialize<ImageIndex>(ReadBlob(descriptor.Digest));
            // Attestations (unknown/unknown) and nested indexes are kept, not images of a platform.
            var images = index.Manifests.Where(d => MediaTypes.IsManifest(d.MediaType) && d.Platform is not null && !Attestations.IsAttestation(d) && HasBlob(d.Digest))
                .Select(d => Load(d, [])).ToList();
            return new IndexRecord(descriptor, index, images, tags);
        }
        catch (OciFormatException e)
        {
            throw new StoreException(StoreError.Corrupt, $"image index {descriptor.Digest} in the store is damaged: {e.Message}", e);
        }
    }
}

/// <summary>
/// A multi-platform image in the store: its index (and the descriptor that names it), its images
/// (each manifest descriptor carries its platform) and its names. Its id is the index's digest, as
/// docker with the containerd store shows it.
/// </summary>
public sealed record IndexRecord(Descriptor IndexDescriptor, ImageIndex Index, IReadOnlyList<ImageRecord> Images, IReadOnlyList<ImageReference> Tags)
{
    public Digest Id => IndexDescriptor.Digest;

    /// <summary>The platforms of its images, in the index's order.</summary>
    public IReadOnlyList<Platform> Platforms => [.. Images.Select(i => i.ManifestDescriptor.Platform!)];

    /// <summary>Compressed size of every blob its images hold, each counted once.</summary>
    public long Size => Images.SelectMany(i => i.Manifest.Layers.Append(i.Manifest.Config)).DistinctBy(d => d.Digest).Sum(d => d.Size);
}
