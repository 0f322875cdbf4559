using ImageBuilder.Core.Oci;

namespace ImageBuilder.Registry;

public sealed partial class RegistryClient
{
    private const int MaxIndexDepth = 4;

    /// <summary>
    /// The image manifest that <paramref name="reference"/> names for <paramref name="platform"/>:
    /// the manifest itself, or, when it is an index (or Docker manifest list), the entry
    /// <see cref="PlatformMatcher"/> picks, fetched by digest. The index, when there was one, comes
    /// back too (a push of the same image needs it).
    /// </summary>
    public async Task<(RegistryManifest Manifest, RegistryManifest? Index)> ResolveAsync(
        string repository, string reference, Platform platform, CancellationToken cancellationToken = default)
    {
        var current = await GetManifestAsync(repository, reference, cancellationToken);
        RegistryManifest? top = null;
        for (var depth = 0; current.IsIndex; depth++)
        {
            if (depth >= MaxIndexDepth)
            {
                throw new RegistryException(RegistryErrorReason.Protocol, $"{Registry}/{repository}: image indexes nest more than {MaxIndexDepth} deep");
            }

            top ??= current;
            var index = ReadIndex(current, repository);
            var entry = PlatformMatcher.Select(index, platform) ?? throw new RegistryException(RegistryErrorReason.PlatformNotFound,
                $"{Registry}/{repository}{Separator(reference)}{reference} has no image for {platform}; it has "
                + string.Join(", ", index.Manifests.Where(m => m.Platform is not null && m.Platform.Os != "unknown").Select(m => m.Platform!.ToString()).DefaultIfEmpty("none")));
            current = await GetManifestAsync(repository, entry.Digest.ToString(), cancellationToken);
        }

        return (current, top);
    }

    private static ImageIndex ReadIndex(RegistryManifest manifest, string repository)
    {
        try
        {
            return OciJson.Deserialize<ImageIndex>(manifest.Content);
        }
        catch (OciFormatException e)
        {
            throw new RegistryException(RegistryErrorReason.Protocol, $"{repository}@{manifest.Digest}: {e.Message}", e);
        }
    }
}
