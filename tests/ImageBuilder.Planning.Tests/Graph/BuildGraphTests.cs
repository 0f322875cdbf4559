using ImageBuilder.Core.Oci;
using ImageBuilder.Dockerfile;
using ImageBuilder.Planning.Graph;

namespace ImageBuilder.Planning.Tests.Graph;

/// <summary>The graph of a build: every stage once, the ones the target does not need marked, an edge for each thing a step reads.</summary>
public sealed class BuildGraphTests
{
    private const string Dockerfile = """
        FROM base AS deps
        RUN --mount=type=bind,from=tools,target=/t --mount=type=cache,target=/c true
        FROM scratch AS tools
        COPY a /a
        FROM deps AS app
        COPY --from=tools /a /b
        COPY --from=other:1 /x /x
        COPY <<EOF /h
        hi
        EOF
        FROM base AS unused
        RUN sleep 5
        FROM ${NOWHERE} AS broken
        COPY --from=nothing /x /y
        """;

    private sealed class Images(params string[] names) : IImageSource
    {
        public Task<BaseImage?> FindAsync(string reference, Platform platform, CancellationToken cancellationToken) =>
            Task.FromResult(names.Contains(reference)
                ? new BaseImage(reference, Digest.Parse("sha256:" + new string('a', 64)), new ImageConfig
                {
                    Architecture = platform.Architecture,
                    Os = platform.Os,
                    RootFs = new RootFs { DiffIds = [] },
                })
                : null);
    }

    private static BuildGraph Graph()
    {
        var document = DockerfileParser.Parse(Dockerfile);
        var planner = new Planner(new Images("base", "other:1"));
        var options = new PlanOptions { Target = "app" };
        var target = planner.PlanNow(document, options);
        var others = new Dictionary<int, StagePlan> { [3] = planner.PlanNow(document, options with { Target = "unused" }).Target };
        return new BuildGraphBuilder(document, target, others, reference => reference == "base",
            stage => stage.Steps.Select(_ => StepCache.Cached).ToList()).Build();
    }

    [Fact]
    public void Every_stage_appears_once_in_file_order_and_those_the_target_does_not_need_are_marked()
    {
        var graph = Graph();

        Assert.Equal(["deps", "tools", "app", "unused", "broken"], graph.Stages.Select(s => s.Label));
        Assert.Equal([true, true, true, false, false], graph.Stages.Select(s => s.Used));
        Assert.Equal(2, graph.Target);
        Assert.False(graph.Stages[4].Planned);
        Assert.Equal(["FROM ${NOWHERE} AS broken", "COPY --from=nothing /x /y"], graph.Stages[4].Steps.Select(s => s.Text));
    }

    [Fact]
    public void Steps_are_in_order_after_their_FROM_with_the_cache_status_given()
    {
        var app = Graph().Stages[2];

        Assert.Equal(["FROM deps", "COPY --from=tools /a /b", "COPY --from=other:1 /x /x", "COPY <<EOF /h"], app.Steps.Select(s => s.Text));
        Assert.Equal([StepCache.None, StepCache.Cached, StepCache.Cached, StepCache.Cached], app.Steps.Select(s => s.Cache));
    }

    [Fact]
    public void Edges_for_FROM_COPY_from_mount_from_and_the_context()
    {
        var graph = Graph();

        GraphEdge[] expected =
        [
            new(new ImageNode("base"), 0, 0, EdgeKind.From, true),
            new(new StageNode(1), 0, 1, EdgeKind.MountFrom, true),
            new(new ContextNode(null), 1, 1, EdgeKind.Context, true),
            new(new StageNode(0), 2, 0, EdgeKind.From, true),
            new(new StageNode(1), 2, 1, EdgeKind.CopyFrom, true),
            new(new ImageNode("other:1"), 2, 2, EdgeKind.CopyFrom, true),
            new(new ImageNode("base"), 3, 0, EdgeKind.From, false),
        ];
        Assert.Equal(expected, graph.Edges);
        Assert.Equal([new GraphImage("base", true), new GraphImage("other:1", false)], graph.Images);
        Assert.Equal([null], graph.Contexts);
    }
}
