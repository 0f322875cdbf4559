using ImageBuilder.Core.Store;
using ImageBuilder.Planning;

namespace ImageBuilder.Cli.Commands;

/// <summary>Base images from the local store, by name or id.</summary>
internal sealed class StoreImageSource(ContentStore store) : IImageSource
{
    public BaseImage? Find(string reference)
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
