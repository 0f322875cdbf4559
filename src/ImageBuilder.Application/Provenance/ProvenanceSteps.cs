using ImageBuilder.Planning;

namespace ImageBuilder.Application.Provenance;

/// <summary>
/// One step of the plan as mode=max provenance lists it: its id (<c>stepN</c>, numbered over the
/// plan's stages in order, as BuildKit numbers its definition's steps), its stage, what it does
/// (the image history's text), where it is in the Dockerfile, and what it reads (the step before
/// it, its base stage's last step or base image, a COPY --from's stage or image).
/// </summary>
internal sealed record ProvenanceStep(string Id, StagePlan Stage, StepPlan Step, IReadOnlyList<string> Inputs);

internal static class ProvenanceSteps
{
    public static IReadOnlyList<ProvenanceStep> Of(BuildPlan plan)
    {
        var steps = new List<ProvenanceStep>();
        var lastOfStage = new Dictionary<int, string>();
        foreach (var stage in plan.Stages)
        {
            var previous = stage.Base switch
            {
                ImageBase image => Image(image.Image),
                StageOutputBase output => lastOfStage.GetValueOrDefault(output.StageIndex),
                _ => null,
            };
            foreach (var step in stage.Steps)
            {
                var id = $"step{steps.Count}";
                var inputs = new List<string>();
                if (previous is not null)
                {
                    inputs.Add(previous);
                }

                var source = step is CopyStep copy ? copy.Source : null;
                var reads = step is RunStep run ? run.Mounts.Select(m => m.From).Prepend(source) : [source];
                foreach (var read in reads)
                {
                    var input = read switch
                    {
                        StageSource other => lastOfStage.GetValueOrDefault(other.StageIndex),
                        ImageSource image => Image(image.Image),
                        _ => null,
                    };
                    if (input is not null && !inputs.Contains(input))
                    {
                        inputs.Add(input);
                    }
                }

                steps.Add(new ProvenanceStep(id, stage, step, inputs));
                previous = id;
            }

            if (previous is not null)
            {
                lastOfStage[stage.Index] = previous;
            }
        }

        return steps;
    }

    /// <summary>The stages the target's image is built on, base first (its own last).</summary>
    public static IReadOnlyList<StagePlan> TargetChain(BuildPlan plan)
    {
        var chain = new List<StagePlan>();
        for (var stage = (StagePlan?)plan.Target; stage is not null;)
        {
            chain.Insert(0, stage);
            stage = stage.Base is StageOutputBase output ? plan.Stages.FirstOrDefault(s => s.Index == output.StageIndex) : null;
        }

        return chain;
    }

    private static string Image(BaseImage image) => $"docker-image://{image.Reference}@{image.ManifestDigest}";
}
