using ImageBuilder.Planning.Graph;

namespace ImageBuilder.Planning.Tests.Graph;

/// <summary>DOT and Mermaid output: labels escaped so that no step's text breaks the file, unused stages drawn apart.</summary>
public sealed class GraphRendererTests
{
    private const string Awkward = "RUN echo \"a\\b\" # <x> & `y`\nsecond line\r";

    private static BuildGraph Graph() => new(
        [
            new GraphStage(0, "build", true, false, true, [new("FROM scratch", StepCache.None), new(Awkward, StepCache.Cached)]),
            new GraphStage(1, "spare", false, false, true, [new("FROM scratch", StepCache.None), new("RUN x", StepCache.NotCached)]),
            new GraphStage(2, "app", true, true, true, [new("FROM build", StepCache.None), new("COPY . /", StepCache.Unknown)]),
        ],
        [new GraphImage("busybox:1", false)],
        [null],
        [
            new GraphEdge(new StageNode(0), 2, 0, EdgeKind.From, true),
            new GraphEdge(new ContextNode(null), 2, 1, EdgeKind.Context, true),
            new GraphEdge(new ImageNode("busybox:1"), 1, 0, EdgeKind.From, false),
        ]);

    [Fact]
    public void A_step_label_says_its_cache_status_and_how_long_it_ran_last()
    {
        Assert.Equal("RUN make\n(cached; last run 12.3s)", GraphText.StepLabel(new GraphStep("RUN make", StepCache.Cached, 12.34)));
        Assert.Equal("RUN make\n(not cached)", GraphText.StepLabel(new GraphStep("RUN make", StepCache.NotCached)));
        Assert.Equal("FROM base", GraphText.StepLabel(new GraphStep("FROM base", StepCache.None)));
    }

    [Fact]
    public void Dot_escapes_quotes_backslashes_and_line_breaks()
    {
        Assert.Equal("\"RUN echo \\\"a\\\\b\\\" # <x> & `y`\\nsecond line\"", DotRenderer.Quote(Awkward));
    }

    [Fact]
    public void Dot_draws_each_stage_as_one_cluster_and_unused_ones_dashed()
    {
        var dot = DotRenderer.Render(Graph());

        Assert.Equal(3, dot.Split("subgraph cluster_").Length - 1);
        Assert.Contains("s0_1 [label=\"RUN echo \\\"a\\\\b\\\" # <x> & `y`\\nsecond line\\n(cached)\", fillcolor=\"#c8e6c9\"];", dot);
        Assert.Contains("label=\"spare (not needed by the target)\";\n    style=\"rounded,dashed\"", dot);
        Assert.Contains("s0_1 -> s2_0 [label=\"FROM\"];", dot);
        Assert.Contains("image0 -> s1_0 [label=\"FROM\", style=dashed", dot);
        Assert.Contains("image0 [label=\"busybox:1\\n(not in the store)\"", dot);
        Assert.DoesNotContain('\r', dot);
    }

    [Fact]
    public void Mermaid_escapes_its_special_characters_as_entities()
    {
        Assert.Equal("\"RUN echo #quot;a\\b#quot; #35; #lt;x#gt; #amp; #96;y#96;<br/>second line\"", MermaidRenderer.Quote(Awkward));
    }

    [Fact]
    public void Mermaid_draws_each_stage_as_one_subgraph_and_classes_unused_and_cached_steps()
    {
        var text = MermaidRenderer.Render(Graph());

        Assert.StartsWith("flowchart TB\n", text);
        Assert.Equal(3, text.Split("\n  subgraph ").Length - 1);
        Assert.Contains("subgraph stage1[\"spare (not needed by the target)\"]", text);
        Assert.Contains("style stage1 stroke-dasharray:5 5", text);
        Assert.Contains("image0 -.->|\"FROM\"| s1_0", text);
        Assert.Contains("context0 -->|\"context\"| s2_1", text);
        Assert.Contains("class s0_1 cached\n", text);
        Assert.Contains("class image0,s1_0,s1_1 unused\n", text);
    }
}
