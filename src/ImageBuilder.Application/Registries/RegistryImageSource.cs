using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;
using ImageBuilder.Core.Tracing;
using ImageBuilder.Planning;
using ImageBuilder.Registry;

namespace ImageBuilder.Application.Registries;

/// <summary>When a build pulls the images it names (FROM, COPY --from, RUN --mount from=).</summary>
public enum PullPolicy
{
    /// <summary>Pull only what the store lacks (the default).</summary>
    Missing,

    /// <summary>Pull every named image again (blobs the store has are not fetched again).</summary>
    Always,

    /// <summary>Never pull: an image the store lacks is an error.</summary>
    Never,
}

/// <summary>
/// Base images for the planner from the store, pulled into it on demand by <paramref name="policy"/>,
/// for the platform each stage is built for: a multi-platform image of the store gives that
/// platform's image; a single image of another platform is left as it is, and the platform's image
/// pulled beside it, unnamed. The planner asks for each reference and platform once per build; a
/// pull stops when the build is cancelled.
/// </summary>
internal sealed class RegistryImageSource(
    ContentStore store, RegistryAccess registries, IFileTreeWriter treeWriter, PullPolicy policy,
    Action<string, IReadOnlyList<string>> note) : IImageSource
{
    public async Task<BaseImage?> FindAsync(string reference, Platform platform, CancellationToken cancellationToken)
    {
        var local = policy == PullPolicy.Always ? null : Local(reference, platform);
        if (local is { Image: { } image })
        {
            return image;
        }

        if (!ImageReference.TryParse(reference, out var name, out _))
        {
            return null;
        }

        if (policy == PullPolicy.Never)
        {
            throw local?.Other is { } other
                ? new ImagePlatformException($"image \"{reference}\" in the store is {other}, not {platform}, and --pull=never does not pull it",
                    $"pull it for that platform first (ibuild pull --platform {platform} {reference}), or build without --pull=never")
                : new ImageSourceException("--pull=never does not pull it", "pull it first (ibuild pull), or build without --pull=never");
        }

        try
        {
            using var phase = BuildTrace.Phase("pull").Arg("image", name.ToFamiliarString()).Arg("platform", platform.ToString());
            var lines = new List<string>();
            var puller = new ImagePuller(store, registries, treeWriter, ProgressNotes.Collect(lines));
            // Named only as the machine's own image: a build for another platform leaves the name where it was.
            var pulled = await puller.PullAsync(name, platform, cancellationToken, name: local?.Other is null && PlatformMatcher.Serves(platform, Platform.Current));
            phase.Arg("bytes", pulled.Size);
            note($"pulling {name.ToFamiliarString()}" + (platform == Platform.Current ? "" : $" ({platform})"), lines);
            return new BaseImage(reference, pulled.ManifestDescriptor.Digest, pulled.Config);
        }
        catch (RegistryException e) when (e.Reason == RegistryErrorReason.PlatformNotFound)
        {
            throw new ImagePlatformException($"image \"{reference}\" has no {platform} image: {e.Message}", "build for a platform the image has, or use another base");
        }
        catch (RegistryException e)
        {
            throw new ImageSourceException($"could not be pulled: {e.Message}", e.Reason switch
            {
                RegistryErrorReason.Unauthorized or RegistryErrorReason.Denied => $"log in with `ibuild login {name.Registry}`",
                RegistryErrorReason.ManifestUnknown or RegistryErrorReason.NameUnknown => "check the name and tag, or load the image (ibuild load -i image.tar)",
                _ => "check that the registry is reachable, or load the image (ibuild load -i image.tar)",
            }, e);
        }
    }

    /// <summary>
    /// The store's image of <paramref name="reference"/> for <paramref name="platform"/>; or, when the
    /// store's image is of another platform, that platform; null when the store has none.
    /// </summary>
    /// <exception cref="ImagePlatformException">A multi-platform image of the store lacks the platform.</exception>
    private (BaseImage? Image, Platform? Other)? Local(string reference, Platform platform)
    {
        if (store.FindIndex(reference) is { } index)
        {
            try
            {
                var chosen = ContentStore.ImageFor(index, platform, reference);
                return (new BaseImage(reference, chosen.ManifestDescriptor.Digest, chosen.Config), null);
            }
            catch (StoreException e) when (e.Reason == StoreError.ImageNotFound)
            {
                throw new ImagePlatformException(e.Message, $"build for {string.Join(" or ", index.Platforms)}, or use another base");
            }
        }

        ImageRecord image;
        try
        {
            image = store.ResolveImage(reference);
        }
        catch (StoreException e) when (e.Reason == StoreError.ImageNotFound)
        {
            return null;
        }

        return PlatformMatcher.Serves(image.Config.Platform, platform)
            ? (new BaseImage(reference, image.ManifestDescriptor.Digest, image.Config), null)
            : (null, image.Config.Platform);
    }
}
