using System.Text;

namespace ImageBuilder.Planning.Graph;

/// <summary>
/// A <see cref="BuildGraph"/> as Graphviz DOT: each stage a cluster of its steps in order, images
/// and contexts as nodes of their own, stages the target does not need dashed and grey, steps
/// coloured by their cache status. Node ids are generated; the user's text is only in labels.
/// </summary>
public static class DotRenderer
{
    private const string Grey = "#9e9e9e";

    public static string Render(BuildGraph graph)
    {
        var dot = new StringBuilder();
        dot.Append("digraph build {\n");
        dot.Append("  rankdir=TB;\n  compound=true;\n");
        dot.Append("  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"monospace\", fontsize=10];\n");
        dot.Append("  edge [fontname=\"sans-serif\", fontsize=9];\n");
        for (var i = 0; i < graph.Contexts.Count; i++)
        {
            var used = GraphText.Used(graph, new ContextNode(graph.Contexts[i]));
            dot.Append($"  {GraphText.ContextId(graph, graph.Contexts[i])} [label={Quote(GraphText.ContextLabel(graph.Contexts[i]))}, shape=folder{Dim(used)}];\n");
        }

        foreach (var image in graph.Images)
        {
            var used = GraphText.Used(graph, new ImageNode(image.Reference));
            var style = image.InStore ? "" : ", style=\"filled,dashed\"";
            dot.Append($"  {GraphText.ImageId(graph, image.Reference)} [label={Quote(GraphText.ImageLabel(image))}, shape=box3d{style}{Dim(used)}];\n");
        }

        foreach (var stage in graph.Stages)
        {
            AppendStage(dot, stage);
        }

        foreach (var edge in graph.Edges)
        {
            dot.Append($"  {GraphText.SourceId(graph, edge.Source)} -> {GraphText.StepId(edge.Stage, edge.Step)} [label={Quote(GraphText.EdgeLabel(edge.Kind))}");
            dot.Append(edge.Used ? "" : $", style=dashed, color=\"{Grey}\", fontcolor=\"{Grey}\"");
            dot.Append("];\n");
        }

        dot.Append("}\n");
        return dot.ToString();
    }

    private static void AppendStage(StringBuilder dot, GraphStage stage)
    {
        dot.Append($"  subgraph cluster_{GraphText.ClusterId(stage.Index)} {{\n");
        dot.Append($"    label={Quote(GraphText.StageTitle(stage))};\n");
        dot.Append(stage.Used
            ? $"    style=rounded;{(stage.IsTarget ? " penwidth=2;" : "")}\n"
            : $"    style=\"rounded,dashed\"; color=\"{Grey}\"; fontcolor=\"{Grey}\";\n");
        for (var i = 0; i < stage.Steps.Count; i++)
        {
            var step = stage.Steps[i];
            dot.Append($"    {GraphText.StepId(stage.Index, i)} [label={Quote(GraphText.StepLabel(step))}{Fill(step.Cache)}{Dim(stage.Used)}];\n");
        }

        for (var i = 1; i < stage.Steps.Count; i++)
        {
            dot.Append($"    {GraphText.StepId(stage.Index, i - 1)} -> {GraphText.StepId(stage.Index, i)}{(stage.Used ? "" : $" [style=dashed, color=\"{Grey}\"]")};\n");
        }

        dot.Append("  }\n");
    }

    private static string Fill(StepCache cache) => cache switch
    {
        StepCache.Cached => ", fillcolor=\"#c8e6c9\"",
        StepCache.NotCached => ", fillcolor=\"#ffe0b2\"",
        _ => "",
    };

    private static string Dim(bool used) => used ? "" : $", color=\"{Grey}\", fontcolor=\"{Grey}\"";

    /// <summary>
    /// A DOT string: quotes and backslashes escaped (a backslash stays a backslash, never one of
    /// DOT's <c>\N</c>, <c>\l</c> escapes), each line break DOT's <c>\n</c>, carriage returns dropped.
    /// </summary>
    public static string Quote(string text)
    {
        var quoted = new StringBuilder(text.Length + 2);
        quoted.Append('"');
        foreach (var c in text)
        {
            quoted.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "",
                _ => c.ToString(),
            });
        }

        return quoted.Append('"').ToString();
    }
}
