namespace ImageBuilder.Planning.Graph;

/// <summary>
/// A build as a graph (<c>ibuild graph</c>): every stage of the Dockerfile once, in file order, with
/// its FROM and steps; the external images and build contexts the stages read; and the edges
/// between them. Stages the target does not need are kept, marked <see cref="GraphStage.Used"/> false.
/// </summary>
public sealed record BuildGraph(IReadOnlyList<GraphStage> Stages, IReadOnlyList<GraphImage> Images, IReadOnlyList<string?> Contexts, IReadOnlyList<GraphEdge> Edges)
{
    /// <summary>The index of the target stage (the one whose image the build produces).</summary>
    public int Target => Stages.Single(s => s.IsTarget).Index;
}

/// <summary>
/// One stage: <paramref name="Label"/> is its name, or <c>stage-N</c>. <paramref name="Steps"/>[0] is its
/// FROM, the rest its steps in order (a base's ONBUILD triggers included where the stage was planned).
/// <paramref name="Planned"/> false: planning it alone failed, so its steps are the Dockerfile's lines as written.
/// </summary>
public sealed record GraphStage(int Index, string Label, bool Used, bool IsTarget, bool Planned, IReadOnlyList<GraphStep> Steps);

/// <summary>
/// A step as progress titles it (first line, expanded where planned), what the store's cache says
/// of it, and how long it ran at the last build of this Dockerfile that ran it (null: none known).
/// </summary>
public sealed record GraphStep(string Text, StepCache Cache, double? Seconds = null);

/// <summary>What the store's build cache says of a step.</summary>
public enum StepCache
{
    /// <summary>Nothing to say: a FROM, or a stage that was not planned.</summary>
    None,

    /// <summary>The store holds a record for the step's cache key: a build now would reuse it.</summary>
    Cached,

    /// <summary>The step's key is known and the store has no record for it: a build now would run it.</summary>
    NotCached,

    /// <summary>The key needs what only a build reads (the context's checksums, a remote's digest, a base not in the store).</summary>
    Unknown,
}

/// <summary>An image a stage reads (FROM, COPY --from, RUN --mount from=) and whether the store has it for the stage's platform.</summary>
public sealed record GraphImage(string Reference, bool InStore);

/// <summary>What an edge comes from: a stage's result, an image, or a build context (null: the main one).</summary>
public abstract record GraphSource;

public sealed record StageNode(int Index) : GraphSource;

public sealed record ImageNode(string Reference) : GraphSource;

public sealed record ContextNode(string? Name) : GraphSource;

/// <summary>How a step uses its source.</summary>
public enum EdgeKind
{
    From,
    CopyFrom,
    MountFrom,
    Context,
}

/// <summary>
/// <paramref name="Source"/> feeds step <paramref name="Step"/> of stage <paramref name="Stage"/>
/// (0: its FROM); <paramref name="Used"/> false when that stage is not needed by the target.
/// </summary>
public sealed record GraphEdge(GraphSource Source, int Stage, int Step, EdgeKind Kind, bool Used);
