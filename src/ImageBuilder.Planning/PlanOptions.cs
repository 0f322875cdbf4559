using ImageBuilder.Core.Oci;

namespace ImageBuilder.Planning;

/// <summary>What the user asked of a build that shapes its plan (not how it runs).</summary>
public sealed record PlanOptions
{
    /// <summary>The stage to build (name or index); null means the last stage.</summary>
    public string? Target { get; init; }

    /// <summary><c>--build-arg</c> values, already taken from the environment where the user gave only a name.</summary>
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    /// <summary><c>--label</c> values, set on the final image after the Dockerfile's own.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The platform the image is built for; ibuild builds for the one it runs on.</summary>
    public Platform Platform { get; init; } = Platform.Current;

    /// <summary>What the build may do beyond the default (<c>--allow</c>); an instruction that needs more is refused at plan time (IB2009).</summary>
    public IReadOnlySet<Entitlement> Entitlements { get; init; } = new HashSet<Entitlement>();
}

/// <summary>A base image the planner may build on: found by reference, with its config.</summary>
public sealed record BaseImage(string Reference, Digest ManifestDigest, ImageConfig Config);

/// <summary>
/// Where base images come from (the store, a registry through it). The planner does no I/O itself:
/// it asks for each distinct reference once per plan, between planning passes (see <see cref="Planner.PlanAsync"/>).
/// </summary>
public interface IImageSource
{
    /// <summary>The image with this reference, or null when there is none. May pull; stops when <paramref name="cancellationToken"/> fires.</summary>
    /// <exception cref="ImageSourceException">The image could not be had (a pull failed); the planner reports it where the image is named.</exception>
    Task<BaseImage?> FindAsync(string reference, CancellationToken cancellationToken);
}

/// <summary>
/// An image source could not provide an image: <see cref="Exception.Message"/> completes
/// "image X is not in the store and …" (e.g. "could not be pulled: …"), <see cref="Hint"/> says what to do.
/// </summary>
public sealed class ImageSourceException(string message, string? hint = null, Exception? inner = null) : Exception(message, inner)
{
    public string? Hint { get; } = hint;
}
