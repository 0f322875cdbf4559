using System.Globalization;

namespace ImageBuilder.Planning.Graph;

/// <summary>What the DOT and Mermaid renderers share: node ids (never the user's text), labels, what is drawn grey.</summary>
internal static class GraphText
{
    public static string StepId(int stage, int step) => string.Create(CultureInfo.InvariantCulture, $"s{stage}_{step}");

    public static string ClusterId(int stage) => string.Create(CultureInfo.InvariantCulture, $"stage{stage}");

    public static string ImageId(BuildGraph graph, string reference) =>
        "image" + Index(graph.Images.Select(i => i.Reference).ToList(), reference);

    public static string ContextId(BuildGraph graph, string? name) => "context" + Index(graph.Contexts, name);

    /// <summary>The node an edge starts at: a stage's last step (its result), an image, a context.</summary>
    public static string SourceId(BuildGraph graph, GraphSource source) => source switch
    {
        StageNode stage => StepId(stage.Index, graph.Stages[stage.Index].Steps.Count - 1),
        ImageNode image => ImageId(graph, image.Reference),
        ContextNode context => ContextId(graph, context.Name),
        _ => throw new InvalidOperationException("unknown source"),
    };

    public static string StageTitle(GraphStage stage) =>
        stage.Label + (stage.IsTarget ? " (target)" : "") + (stage.Used ? "" : " (not needed by the target)");

    public static string ImageLabel(GraphImage image) => image.Reference + (image.InStore ? "" : "\n(not in the store)");

    public static string ContextLabel(string? name) => name is null ? "build context" : $"build context {name}";

    /// <summary>A step's text and, when the cache or the last build says something, a second line saying it.</summary>
    public static string StepLabel(GraphStep step)
    {
        var notes = new List<string>();
        if (step.Cache switch { StepCache.Cached => "cached", StepCache.NotCached => "not cached", StepCache.Unknown => "cache unknown", _ => null } is { } cache)
        {
            notes.Add(cache);
        }

        if (step.Seconds is { } seconds)
        {
            notes.Add("last run " + seconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + "s");
        }

        return notes.Count == 0 ? step.Text : $"{step.Text}\n({string.Join("; ", notes)})";
    }

    public static string EdgeLabel(EdgeKind kind) => kind switch
    {
        EdgeKind.From => "FROM",
        EdgeKind.CopyFrom => "COPY --from",
        EdgeKind.MountFrom => "RUN --mount from",
        _ => "context",
    };

    /// <summary>Whether a used stage reads the image or context (else it is drawn grey).</summary>
    public static bool Used(BuildGraph graph, GraphSource source) => graph.Edges.Any(e => e.Used && e.Source == source);

    private static string Index<T>(IReadOnlyList<T> list, T item)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (EqualityComparer<T>.Default.Equals(list[i], item))
            {
                return i.ToString(CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("a node the graph does not hold");
    }
}
