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

    /// <summary>
    /// The platform the image is built for (<c>TARGETPLATFORM</c>): every stage without its own
    /// <c>FROM --platform</c> (or a base stage's) is built for it, its RUN steps emulated when it is
    /// not the machine's.
    /// </summary>
    public Platform Platform { get; init; } = Platform.Current;

    /// <summary>Whether progress names each step's platform (<c>[linux/arm64 build 2/3]</c>), as in a multi-platform build.</summary>
    public bool ShowPlatform { get; init; }

    /// <summary>What the build may do beyond the default (<c>--allow</c>); an instruction that needs more is refused at plan time (IB2009).</summary>
    public IReadOnlySet<Entitlement> Entitlements { get; init; } = new HashSet<Entitlement>();

    /// <summary>
    /// <c>--build-context</c>: named contexts by their normalized name (<see cref="ContextNames.Normalize"/>).
    /// Each replaces a stage of that name, and an image of that name in FROM, COPY --from and RUN --mount from=.
    /// </summary>
    public IReadOnlyDictionary<string, NamedContext> Contexts { get; init; } = new Dictionary<string, NamedContext>();
}

/// <summary>A base image the planner may build on: found by reference, with its config.</summary>
public sealed record BaseImage(string Reference, Digest ManifestDigest, ImageConfig Config);

/// <summary>
/// Where base images come from (the store, a registry through it). The planner does no I/O itself:
/// it asks for each distinct reference once per plan, between planning passes (see <see cref="Planner.PlanAsync"/>).
/// </summary>
public interface IImageSource
{
    /// <summary>
    /// The image with this reference for <paramref name="platform"/> (from a multi-platform image,
    /// that platform's), or null when there is none. May pull; stops when <paramref name="cancellationToken"/> fires.
    /// </summary>
    /// <exception cref="ImageSourceException">The image could not be had (a pull failed, or it lacks the platform: <see cref="ImagePlatformException"/>); the planner reports it where the image is named.</exception>
    Task<BaseImage?> FindAsync(string reference, Platform platform, CancellationToken cancellationToken);
}

/// <summary>
/// An image source could not provide an image: <see cref="Exception.Message"/> completes
/// "image X is not in the store and …" (e.g. "could not be pulled: …"), <see cref="Hint"/> says what to do.
/// </summary>
public class ImageSourceException(string message, string? hint = null, Exception? inner = null) : Exception(message, inner)
{
    public string? Hint { get; } = hint;
}

/// <summary>
/// The image exists, but not for the platform asked: <see cref="Exception.Message"/> says it whole
/// (the image, the platform, the platforms it has).
/// </summary>
public sealed class ImagePlatformException(string message, string? hint = null) : ImageSourceException(message, hint);
