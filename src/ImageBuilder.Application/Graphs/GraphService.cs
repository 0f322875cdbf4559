using ImageBuilder.Application.Registries;
using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Oci;
using ImageBuilder.Dockerfile;
using ImageBuilder.Dockerfile.Instructions;
using ImageBuilder.Planning;
using ImageBuilder.Planning.Graph;

namespace ImageBuilder.Application.Graphs;

/// <summary>
/// <c>ibuild graph</c>: the build's <see cref="BuildGraph"/>, planned by the real planner against
/// the store alone (nothing is pulled, nothing runs; an image the store lacks becomes a stand-in
/// drawn as not in the store), every other stage planned as a target of its own, and each step's
/// cache status from the keys the engine would compute (<see cref="CacheKeyPreview"/>) and the
/// store's cache records.
/// </summary>
public sealed class GraphService(StoreService stores, IMachine machine)
{
    /// <exception cref="DockerfileException">The target's plan is refused (located).</exception>
    public async Task<BuildGraph> GraphAsync(string? root, DockerfileDocument document, PlanOptions options, CancellationToken cancellationToken)
    {
        // Read only: a graph leaves a running build's scratch alone.
        var store = stores.Open(root, removeStaleScratch: false);
        using var registries = new RegistryAccess(RegistrySettings.Default);
        var source = new StandInImageSource(new RegistryImageSource(store, registries, machine.TreeWriter, PullPolicy.Never, (_, _) => { }));
        var target = await new Planner(source).PlanAsync(document, options, cancellationToken);

        var others = new Dictionary<int, StagePlan>();
        var keys = new Dictionary<int, IReadOnlyList<Digest?>>();
        AddKeys(keys, target, source);
        foreach (var stage in document.Stages.Where(s => target.Stages.All(p => p.Index != s.Index)))
        {
            try
            {
                var alone = await new Planner(source).PlanAsync(document, options with { Target = stage.Reference }, cancellationToken);
                others[stage.Index] = alone.Target;
                AddKeys(keys, alone, source);
            }
            catch (DockerfileException)
            {
                // Drawn as written: a stage the target does not need may not plan at all, and no build would notice.
            }
        }

        IReadOnlyList<StepCache> Statuses(StagePlan stage) => keys[stage.Index]
            .Select(key => key is not { } known ? StepCache.Unknown : store.FindCacheRecord(known) is null ? StepCache.NotCached : StepCache.Cached)
            .ToList();

        return new BuildGraphBuilder(document, target, others, reference => !source.IsStandIn(reference), Statuses).Build();
    }

    private static void AddKeys(Dictionary<int, IReadOnlyList<Digest?>> keys, BuildPlan plan, StandInImageSource source)
    {
        foreach (var (stage, stageKeys) in CacheKeyPreview.Keys(plan, image => !source.IsStandIn(image.Reference)))
        {
            keys.TryAdd(stage, stageKeys);
        }
    }

    /// <summary>
    /// SVG from DOT through Graphviz's <c>dot -Tsvg</c>.
    /// </summary>
    /// <exception cref="GraphvizException">dot is not installed, or it failed.</exception>
    public static Task<string> RenderSvgAsync(string dot, CancellationToken cancellationToken) => Graphviz.RenderAsync(dot, "svg", cancellationToken);
}
