using ImageBuilder.Dockerfile.Checks;
using ImageBuilder.Dockerfile.Ignore;

namespace ImageBuilder.Planning;

/// <summary>What a build tells the build checks: its build arguments, and BUILDKIT_DOCKERFILE_CHECK, which replaces the file's <c># check=</c>.</summary>
public static class CheckInputs
{
    public const string CheckArg = "BUILDKIT_DOCKERFILE_CHECK";

    public static CheckInput From(PlanOptions plan, DockerIgnore? ignore = null, IReadOnlyDictionary<string, IReadOnlyCollection<string>>? baseEnv = null) => new()
    {
        BuildArgs = plan.BuildArgs,
        CheckOption = plan.BuildArgs.TryGetValue(CheckArg, out var option) ? option : null,
        Ignore = ignore,
        BaseImageEnv = image => baseEnv is not null && baseEnv.TryGetValue(image, out var env) ? env : null,
    };
}
