using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;

namespace ImageBuilder.Application;

public sealed partial class BuildService
{
    /// <summary>
    /// The ENV names of a base image the store holds, for the build checks (UndefinedVar in a stage
    /// FROM that image, as BuildKit reads the image's config); null for an image the store lacks —
    /// nothing is pulled, and such a stage is not checked for undefined variables. The store is
    /// opened on first use.
    /// </summary>
    public Func<string, IReadOnlyCollection<string>?> StoredImageEnvironment(string? root, Platform platform)
    {
        ContentStore? store = null;
        return name =>
        {
            try
            {
                store ??= stores.Open(root, removeStaleScratch: false);
                var image = store.ResolveImage(name, platform);
                return (image.Config.Config?.Env ?? []).Select(e => e.Split('=', 2)[0]).ToList();
            }
            catch (Exception e) when (e is StoreException or IOException or UnauthorizedAccessException)
            {
                return null;
            }
        };
    }
}
