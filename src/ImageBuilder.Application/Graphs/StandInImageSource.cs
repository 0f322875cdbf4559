using ImageBuilder.Core.Oci;
using ImageBuilder.Planning;

namespace ImageBuilder.Application.Graphs;

/// <summary>
/// Base images for a graph: the store's (through <paramref name="inner"/>, which never pulls); for a
/// reference the store lacks, or has for another platform only, a stand-in with an empty config (no
/// env, no ONBUILD triggers) so that planning goes on, remembered so the graph draws the image as
/// not in the store and gives no cache key from it.
/// </summary>
internal sealed class StandInImageSource(IImageSource inner) : IImageSource
{
    private static readonly Digest Unknown = Digest.Parse("sha256:" + new string('0', 64));

    private readonly HashSet<string> standIns = new(StringComparer.Ordinal);

    public bool IsStandIn(string reference) => standIns.Contains(reference);

    public async Task<BaseImage?> FindAsync(string reference, Platform platform, CancellationToken cancellationToken)
    {
        try
        {
            if (await inner.FindAsync(reference, platform, cancellationToken) is { } image)
            {
                return image;
            }
        }
        catch (ImageSourceException)
        {
            // Not in the store (for this platform): a graph still draws it.
        }

        standIns.Add(reference);
        return new BaseImage(reference, Unknown, new ImageConfig
        {
            Architecture = platform.Architecture,
            Os = platform.Os,
            Variant = platform.Variant,
            RootFs = new RootFs { DiffIds = [] },
        });
    }
}
