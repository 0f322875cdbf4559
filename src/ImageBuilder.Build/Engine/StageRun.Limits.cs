using ImageBuilder.Dockerfile;
using ImageBuilder.Planning;

namespace ImageBuilder.Build.Engine;

internal sealed partial class StageRun
{
    private const string TooManyLayersHint = "combine steps (RUN a && b, one COPY for several files), or build FROM an image with fewer layers";

    /// <summary>
    /// A step that changes files mounts every layer below it as an overlayfs lower dir, and its
    /// own layer is one more, which the steps after it and <c>ibuild run</c> must mount in turn:
    /// refused, before it runs, when the chain already has <see cref="BuildMachine.MaxLowerLayers"/>.
    /// </summary>
    private void RequireStackable(StepPlan step, int layers)
    {
        var max = shared.Machine.MaxLowerLayers;
        if (layers > max)
        {
            throw Located(BuildErrors.TooManyLayers,
                $"{step.Instruction.Keyword} needs the {layers} layers below it mounted, but overlayfs stacks at most {max} (OVL_MAX_STACK)",
                step, TooManyLayersHint);
        }

        if (layers == max)
        {
            throw Located(BuildErrors.TooManyLayers,
                $"{step.Instruction.Keyword} would add layer {max + 1}, but overlayfs stacks at most {max} layers (OVL_MAX_STACK): the image could not be run",
                step, TooManyLayersHint);
        }
    }

    /// <summary>A stage or image a step mounts read-only (COPY --from, RUN --mount from=) must fit in one overlay too.</summary>
    private void RequireMountable(StepPlan step, int layers, string what)
    {
        var max = shared.Machine.MaxLowerLayers;
        if (layers > max)
        {
            throw Located(BuildErrors.TooManyLayers,
                $"{step.Instruction.Keyword} {what} has {layers} layers, but overlayfs stacks at most {max} (OVL_MAX_STACK)",
                step, TooManyLayersHint);
        }
    }
}
