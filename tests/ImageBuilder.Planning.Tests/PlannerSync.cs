using ImageBuilder.Dockerfile;
using ImageBuilder.Dockerfile.Instructions;

namespace ImageBuilder.Planning.Tests;

/// <summary>Planning against sources that answer at once, as the tests' fakes do: the plan, or the planner's exception as thrown.</summary>
internal static class PlannerSync
{
    public static BuildPlan PlanNow(this Planner planner, DockerfileDocument document, PlanOptions options) =>
        planner.PlanAsync(document, options, CancellationToken.None).GetAwaiter().GetResult();
}
