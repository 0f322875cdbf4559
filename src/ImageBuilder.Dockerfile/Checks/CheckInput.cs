using ImageBuilder.Dockerfile.Ignore;

namespace ImageBuilder.Dockerfile.Checks;

/// <summary>
/// What the checks know beyond the Dockerfile: the build arguments, a check option given from
/// outside (<c>--build-arg BUILDKIT_DOCKERFILE_CHECK=…</c>, which replaces the file's
/// <c># check=</c>), the context's .dockerignore, and the environment of base images where known.
/// </summary>
public sealed record CheckInput
{
    public static readonly CheckInput Default = new();

    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    public string? CheckOption { get; init; }

    public DockerIgnore? Ignore { get; init; }

    /// <summary>
    /// The ENV names of an external base image, or null when they are not known; UndefinedVar is
    /// not reported in a stage whose base image's environment is unknown (the name may come from it).
    /// </summary>
    public Func<string, IReadOnlyCollection<string>?> BaseImageEnv { get; init; } = _ => null;
}
