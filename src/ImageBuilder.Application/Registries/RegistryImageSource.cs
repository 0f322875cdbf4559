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
/// Base images for the planner from the store, pulled into it on demand by <paramref name="policy"/>.
/// The planner asks for each reference once per build; a pull stops when the build is cancelled.
/// </summary>
internal sealed class RegistryImageSource(
    ContentStore store, RegistryAccess registries, IFileTreeWriter treeWriter, PullPolicy policy, Platform platform,
    Action<string, IReadOnlyList<string>> note) : IImageSource
{
    public async Task<BaseImage?> FindAsync(string reference, CancellationToken cancellationToken)
    {
        if (policy != PullPolicy.Always && Local(reference) is { } local)
        {
            return local;
        }

        if (!ImageReference.TryParse(reference, out var name, out _))
        {
            return null;
        }

        if (policy == PullPolicy.Never)
        {
            throw new ImageSourceException("--pull=never does not pull it", "pull it first (ibuild pull), or build without --pull=never");
        }

        try
        {
            using var phase = BuildTrace.Phase("pull").Arg("image", name.ToFamiliarString());
            var lines = new List<string>();
            var pulled = await new ImagePuller(store, registries, treeWriter, ProgressNotes.Collect(lines)).PullAsync(name, platform, cancellationToken);
            phase.Arg("bytes", pulled.Size);
            note($"pulling {name.ToFamiliarString()}", lines);
            return new BaseImage(reference, pulled.ManifestDescriptor.Digest, pulled.Config);
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
    private BaseImage? Local(string reference)
    {
        try
        {
            var image = store.ResolveImage(reference);
            return new BaseImage(reference, image.ManifestDescriptor.Digest, image.Config);
        }
        catch (StoreException e) when (e.Reason == StoreError.ImageNotFound)
        {
            return null;
        }
    }
}
