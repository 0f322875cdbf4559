using ImageBuilder.Core.Archives;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;
using ImageBuilder.Planning;

namespace ImageBuilder.Application;

/// <summary>
/// The images of <c>--build-context NAME=oci-layout://…</c>: a reference <c>oci-layout://ROOT@DIGEST</c>
/// (<see cref="BuildContextValues"/>) is read from that layout into the store, for the platform asked
/// (from a multi-platform index, that platform's image); every other reference goes to
/// <paramref name="inner"/> (the store, pulling by the build's policy). Only the references the
/// command line's contexts made (<paramref name="given"/>) are read: a Dockerfile that writes
/// <c>FROM oci-layout:///some/path@sha256:…</c> itself is refused, as BuildKit knows such a source
/// only as a --build-context value — else a Dockerfile could read any layout on the host.
/// </summary>
internal sealed class LayoutImageSource(IImageSource inner, ContentStore store, IFileTreeWriter treeWriter, IReadOnlySet<string> given) : IImageSource
{
    public async Task<BaseImage?> FindAsync(string reference, Platform platform, CancellationToken cancellationToken)
    {
        if (!reference.StartsWith(BuildContextValues.OciLayoutScheme, StringComparison.Ordinal))
        {
            return await inner.FindAsync(reference, platform, cancellationToken);
        }

        if (!given.Contains(reference))
        {
            throw new ImageSourceException(
                "is not an image reference: an oci-layout:// image is read only from a --build-context value",
                "pass the layout with --build-context NAME=oci-layout://PATH[:TAG] and use NAME in the Dockerfile");
        }

        var at = reference.LastIndexOf('@');
        var root = reference[BuildContextValues.OciLayoutScheme.Length..at];
        try
        {
            var entry = ImageLoader.FindInLayout(root, "latest", Digest.Parse(reference[(at + 1)..]));
            var loader = new ImageLoader(store, new LayerUnpacker(treeWriter));
            var image = await loader.LoadFromLayoutAsync(root, entry, platform, cancellationToken)
                ?? throw new ImagePlatformException($"the OCI layout {root} has no {platform} image in {entry.Digest}",
                    "build for a platform the layout has, or write the layout for this one");
            return new BaseImage(reference, image.ManifestDescriptor.Digest, image.Config);
        }
        catch (ArchiveFormatException e)
        {
            throw new ImageSourceException($"could not be read from its OCI layout: {e.Message}", "check the layout (skopeo inspect oci:DIR)");
        }
    }
}
