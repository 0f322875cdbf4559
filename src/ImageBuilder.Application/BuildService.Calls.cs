using ImageBuilder.Dockerfile.Instructions;
using ImageBuilder.Planning;
using ImageBuilder.Planning.Subrequests;

namespace ImageBuilder.Application;

/// <summary>
/// <c>build --call=outline|targets</c>: what a build would take, answered from the Dockerfile alone,
/// as BuildKit's frontend subrequests. Nothing runs, no image is looked up, the store is not opened.
/// </summary>
public sealed partial class BuildService
{
    /// <summary>The target's build args (with <paramref name="plan"/>'s build args and platform applied), secrets and ssh ids.</summary>
    /// <exception cref="Dockerfile.DockerfileException">An unknown target (IB2001), a word or mount that cannot be read.</exception>
    public static BuildOutline Outline(DockerfileDocument document, PlanOptions plan) => OutlineBuilder.Build(document, plan);

    /// <summary>Every stage with its description; the last is the default target.</summary>
    public static IReadOnlyList<BuildTarget> Targets(DockerfileDocument document) => BuildTarget.List(document);
}
