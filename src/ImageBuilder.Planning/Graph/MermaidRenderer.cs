using System.Globalization;
using System.Text;

namespace ImageBuilder.Planning.Graph;

/// <summary>
/// A <see cref="BuildGraph"/> as a Mermaid flowchart: each stage a subgraph of its steps in order,
/// images and contexts as nodes, stages the target does not need dashed and grey (class
/// <c>unused</c>), steps classed by their cache status. Node ids are generated; text is only in labels.
/// </summary>
public static class MermaidRenderer
{
    public static string Render(BuildGraph graph)
    {
        var text = new StringBuilder("flowchart TB\n");
        var classes = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Class(string name, string id) => (classes.TryGetValue(name, out var ids) ? ids : classes[name] = []).Add(id);

        for (var i = 0; i < graph.Contexts.Count; i++)
        {
            var id = GraphText.ContextId(graph, graph.Contexts[i]);
            text.Append($"  {id}[/{Quote(GraphText.ContextLabel(graph.Contexts[i]))}/]\n");
            if (!GraphText.Used(graph, new ContextNode(graph.Contexts[i])))
            {
                Class("unused", id);
            }
        }

        foreach (var image in graph.Images)
        {
            var id = GraphText.ImageId(graph, image.Reference);
            text.Append($"  {id}[({Quote(GraphText.ImageLabel(image))})]\n");
            if (!GraphText.Used(graph, new ImageNode(image.Reference)) || !image.InStore)
            {
                Class("unused", id);
            }
        }

        foreach (var stage in graph.Stages)
        {
            var cluster = GraphText.ClusterId(stage.Index);
            text.Append($"  subgraph {cluster}[{Quote(GraphText.StageTitle(stage))}]\n");
            for (var i = 0; i < stage.Steps.Count; i++)
            {
                var id = GraphText.StepId(stage.Index, i);
                text.Append($"    {id}[{Quote(GraphText.StepLabel(stage.Steps[i]))}]\n");
                Class(!stage.Used ? "unused" : stage.Steps[i].Cache.ToString().ToLowerInvariant(), id);
            }

            for (var i = 1; i < stage.Steps.Count; i++)
            {
                text.Append($"    {GraphText.StepId(stage.Index, i - 1)} {(stage.Used ? "-->" : "-.->")} {GraphText.StepId(stage.Index, i)}\n");
            }

            text.Append("  end\n");
            if (!stage.Used)
            {
                text.Append($"  style {cluster} stroke-dasharray:5 5,stroke:#9e9e9e,color:#9e9e9e\n");
            }
        }

        foreach (var edge in graph.Edges)
        {
            var arrow = edge.Used ? "-->" : "-.->";
            text.Append($"  {GraphText.SourceId(graph, edge.Source)} {arrow}|{Quote(GraphText.EdgeLabel(edge.Kind))}| {GraphText.StepId(edge.Stage, edge.Step)}\n");
        }

        text.Append("  classDef cached fill:#c8e6c9\n");
        text.Append("  classDef notcached fill:#ffe0b2\n");
        text.Append("  classDef unused stroke-dasharray:5 5,stroke:#9e9e9e,color:#9e9e9e\n");
        foreach (var (name, ids) in classes.Where(c => c.Key is "cached" or "notcached" or "unused").OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"  class {string.Join(',', ids)} {name}\n");
        }

        return text.ToString();
    }

    /// <summary>
    /// A Mermaid label in double quotes: the characters Mermaid or its HTML labels would read
    /// (<c>" # &lt; &gt; &amp; `</c>) as entity codes, each line break a <c>&lt;br/&gt;</c>, carriage returns dropped.
    /// </summary>
    public static string Quote(string text)
    {
        var quoted = new StringBuilder(text.Length + 2);
        quoted.Append('"');
        foreach (var c in text)
        {
            quoted.Append(c switch
            {
                '"' => "#quot;",
                '#' => "#35;",
                '<' => "#lt;",
                '>' => "#gt;",
                '&' => "#amp;",
                '`' => "#96;",
                '\n' => "<br/>",
                '\r' => "",
                _ => c.ToString(),
            });
        }

        return quoted.Append('"').ToString();
    }
}
