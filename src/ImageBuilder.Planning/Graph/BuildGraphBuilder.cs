using System.Globalization;
using ImageBuilder.Dockerfile.Instructions;

namespace ImageBuilder.Planning.Graph;

/// <summary>
/// Makes the <see cref="BuildGraph"/> of a Dockerfile from its plans: the target's plan gives the
/// stages the target needs; <paramref name="others"/> each other stage planned as a target of its
/// own (so its steps are expanded as a build of it would expand them); a stage missing from both
/// (planning it alone failed) is shown as written. No I/O: what the store holds comes in through
/// <paramref name="inStore"/> and <paramref name="cache"/>.
/// </summary>
public sealed class BuildGraphBuilder(
    DockerfileDocument document,
    BuildPlan target,
    IReadOnlyDictionary<int, StagePlan> others,
    Func<string, bool> inStore,
    Func<StagePlan, IReadOnlyList<StepCache>>? cache = null,
    Func<StagePlan, IReadOnlyList<double?>>? durations = null)
{
    private readonly List<GraphEdge> edges = [];
    private readonly List<GraphImage> images = [];
    private readonly List<string?> contexts = [];

    public BuildGraph Build()
    {
        var used = target.Stages.ToDictionary(s => s.Index);
        var stages = new List<GraphStage>();
        foreach (var stage in document.Stages)
        {
            var isUsed = used.TryGetValue(stage.Index, out var plan);
            stages.Add(plan is not null || others.TryGetValue(stage.Index, out plan)
                ? Planned(stage, plan, isUsed)
                : AsWritten(stage));
        }

        return new BuildGraph(stages, images, contexts, edges);
    }

    private GraphStage Planned(Stage stage, StagePlan plan, bool used)
    {
        var statuses = cache?.Invoke(plan);
        var seconds = durations?.Invoke(plan);
        var steps = new List<GraphStep> { new(Untitled(plan.FromTitle), StepCache.None) };
        switch (plan.Base)
        {
            case StageOutputBase other:
                Edge(new StageNode(other.StageIndex), stage.Index, 0, EdgeKind.From, used);
                break;
            case ImageBase image:
                Edge(Image(image.Image.Reference), stage.Index, 0, EdgeKind.From, used);
                break;
        }

        for (var i = 0; i < plan.Steps.Count; i++)
        {
            var step = plan.Steps[i];
            steps.Add(new GraphStep(Untitled(step.Title), statuses?[i] ?? StepCache.None, seconds?[i]));
            foreach (var (source, kind) in Sources(step))
            {
                Edge(source, stage.Index, i + 1, kind, used);
            }
        }

        return new GraphStage(stage.Index, Label(stage), used, stage.Index == target.Target.Index, true, steps);
    }

    /// <summary>What a step reads besides its own stage: COPY's context or --from, RUN's bind and cache mounts' from=.</summary>
    private IEnumerable<(GraphSource, EdgeKind)> Sources(StepPlan step)
    {
        switch (step)
        {
            case CopyStep copy when copy.Repositories.Count > 0:
                yield break;
            case CopyStep { Source: ContextSource context } copy:
                if (copy.Sources.Any(s => !IsUrl(s)))
                {
                    yield return (Context(context.Name), EdgeKind.Context);
                }

                break;
            case CopyStep copy:
                yield return (Node(copy.Source), EdgeKind.CopyFrom);
                break;
            case RunStep run:
                foreach (var mount in run.Mounts)
                {
                    // A cache mount reads its from= only when one is given; a bind mount always reads (the context by default).
                    if (mount.Mount.Type == "bind" || (mount.Mount.Type == "cache" && mount.Mount.From is not null))
                    {
                        yield return (Node(mount.From), EdgeKind.MountFrom);
                    }
                }

                break;
        }
    }

    private GraphSource Node(CopySource source) => source switch
    {
        StageSource stage => new StageNode(stage.StageIndex),
        ImageSource image => Image(image.Image.Reference),
        ContextSource context => Context(context.Name),
        _ => throw new InvalidOperationException("unknown source"),
    };

    /// <summary>A stage planning failed for: its lines as written, and only the FROM edge its base names plainly.</summary>
    private GraphStage AsWritten(Stage stage)
    {
        var from = stage.From;
        var steps = new List<GraphStep> { new(FirstLine(from.Original, from.Keyword), StepCache.None) };
        steps.AddRange(stage.Commands.Select(c => new GraphStep(FirstLine(c.Original, c.Keyword), StepCache.None)));
        var earlier = document.Stages.Take(stage.Index).LastOrDefault(s => string.Equals(s.Name, from.Image, StringComparison.OrdinalIgnoreCase));
        if (earlier is not null)
        {
            Edge(new StageNode(earlier.Index), stage.Index, 0, EdgeKind.From, false);
        }
        else if (!string.Equals(from.Image, "scratch", StringComparison.OrdinalIgnoreCase) && !from.Image.Contains('$'))
        {
            Edge(Image(from.Image), stage.Index, 0, EdgeKind.From, false);
        }

        return new GraphStage(stage.Index, Label(stage), false, false, false, steps);
    }

    private void Edge(GraphSource source, int stage, int step, EdgeKind kind, bool used)
    {
        var edge = new GraphEdge(source, stage, step, kind, used);
        if (!edges.Contains(edge))
        {
            edges.Add(edge);
        }
    }

    private ImageNode Image(string reference)
    {
        if (!images.Exists(i => i.Reference == reference))
        {
            images.Add(new GraphImage(reference, inStore(reference)));
        }

        return new ImageNode(reference);
    }

    private ContextNode Context(string? name)
    {
        if (!contexts.Contains(name))
        {
            contexts.Add(name);
        }

        return new ContextNode(name);
    }

    private static string Label(Stage stage) => stage.Name ?? "stage-" + stage.Index.ToString(CultureInfo.InvariantCulture);

    /// <summary>A progress title without its <c>[stage 2/5] </c> counter.</summary>
    private static string Untitled(string title) =>
        title.StartsWith('[') && title.IndexOf("] ", StringComparison.Ordinal) is var end and > 0 ? title[(end + 2)..] : title;

    private static string FirstLine(string original, string keyword) =>
        original.Trim().Split('\n')[0] is { Length: > 0 } line ? line : keyword;

    private static bool IsUrl(string source) =>
        source.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || source.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
}
