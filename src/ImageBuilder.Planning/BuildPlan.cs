using ImageBuilder.Core.Oci;

namespace ImageBuilder.Planning;

/// <summary>
/// A build as a graph of stages: every stage the target needs (and no other), in an order where
/// each stage comes after the stages it depends on. Expansion is done; nothing here reads a file.
/// </summary>
public sealed record BuildPlan(IReadOnlyList<StagePlan> Stages, IReadOnlyList<string> Warnings)
{
    /// <summary>The stage whose image the build produces.</summary>
    public StagePlan Target => Stages[^1];
}

/// <summary>
/// One stage: what it starts from (<see cref="FromTitle"/> is its FROM line as progress shows it), its steps, and its image config without the parts that only
/// running it tells (root fs, history timestamps). <see cref="DependsOn"/> lists the stage indexes
/// its base, COPY --from and RUN --mount from= refer to.
/// </summary>
public sealed record StagePlan(
    int Index,
    string? Name,
    string DisplayName,
    string FromTitle,
    StageBase Base,
    IReadOnlyList<StepPlan> Steps,
    ImageConfig Config,
    IReadOnlySet<int> DependsOn)
{
    /// <summary>The platform the stage is built for (its RUN steps run as), from its config.</summary>
    public Platform Platform => Config.Platform;

    public override string ToString() => DisplayName;
}

/// <summary>What a stage starts from.</summary>
public abstract record StageBase;

/// <summary><c>FROM scratch</c>: an empty root.</summary>
public sealed record ScratchBase : StageBase;

/// <summary><c>FROM image</c>: an image from the image source.</summary>
public sealed record ImageBase(BaseImage Image) : StageBase;

/// <summary><c>FROM stage</c>: the result of an earlier stage of the same build.</summary>
public sealed record StageOutputBase(int StageIndex) : StageBase;
