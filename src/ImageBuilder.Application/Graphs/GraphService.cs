using ImageBuilder.Application.Registries;
using ImageBuilder.Build.Context;
using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;
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
    /// <param name="contextDir">The build context: COPY's checksums of it (through its stat cache) give those steps' keys.</param>
    /// <param name="dockerfilePath">The Dockerfile's path, for the ignore file beside it; null when it came from standard input.</param>
    public async Task<BuildGraph> GraphAsync(
        string? root, string contextDir, string? dockerfilePath, DockerfileDocument document, PlanOptions options, CancellationToken cancellationToken)
    {
        // Read only: a graph leaves a running build's scratch alone.
        var store = stores.Open(root, removeStaleScratch: false);
        using var registries = new RegistryAccess(RegistrySettings.Default);
        var source = new StandInImageSource(new RegistryImageSource(store, registries, machine.TreeWriter, PullPolicy.Never, (_, _) => { }));
        var target = await new Planner(source).PlanAsync(document, options, cancellationToken);

        var context = new Lazy<BuildContext?>(() => LoadContext(store, contextDir, dockerfilePath));
        var keys = new Dictionary<int, IReadOnlyList<Digest?>>();
        void AddKeys(BuildPlan plan)
        {
            foreach (var (stage, stageKeys) in CacheKeyPreview.Keys(plan, image => !source.IsStandIn(image.Reference), sources => Checksum(context.Value, sources)))
            {
                keys.TryAdd(stage, stageKeys);
            }
        }

        AddKeys(target);
        var others = new Dictionary<int, StagePlan>();
        foreach (var stage in document.Stages.Where(s => target.Stages.All(p => p.Index != s.Index)))
        {
            try
            {
                var alone = await new Planner(source).PlanAsync(document, options with { Target = stage.Reference }, cancellationToken);
                others[stage.Index] = alone.Target;
                AddKeys(alone);
            }
            catch (DockerfileException)
            {
                // Drawn as written: a stage the target does not need may not plan at all, and no build would notice.
            }
        }

        IReadOnlyList<StepCache> Statuses(StagePlan stage) => keys[stage.Index]
            .Select(key => key is not { } known ? StepCache.Unknown : store.FindCacheRecord(known) is null ? StepCache.NotCached : StepCache.Cached)
            .ToList();

        // How long each step ran at the last build of this Dockerfile for this platform that ran it (the store's step inputs).
        var scope = StepHistory.Scope(contextDir, dockerfilePath, options.Platform);
        IReadOnlyList<double?> Durations(StagePlan stage)
        {
            var fileSteps = 0;
            return stage.Steps.Select(step => step.ChangesFiles ? StepHistory.Last(store, scope, stage, fileSteps++)?.Seconds : null).ToList();
        }

        return new BuildGraphBuilder(document, target, others, reference => !source.IsStandIn(reference), Statuses, Durations).Build();
    }

    /// <summary>The build context as a build reads it (its .dockerignore, its stat cache); null when it cannot be read (a build would fail there).</summary>
    private static BuildContext? LoadContext(ContentStore store, string contextDir, string? dockerfilePath)
    {
        try
        {
            return BuildContext.Load(contextDir, dockerfilePath, store.StatCachePath(contextDir));
        }
        catch (Exception e) when (e is BuildContextException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The context's checksum of a COPY's sources; null when the context or a source cannot be read (a build would fail the step).</summary>
    private static Digest? Checksum(BuildContext? context, IReadOnlyList<string> sources)
    {
        try
        {
            return context?.Checksum(sources);
        }
        catch (BuildContextException)
        {
            return null;
        }
    }

    /// <summary>
    /// SVG from DOT through Graphviz's <c>dot -Tsvg</c>.
    /// </summary>
    /// <exception cref="GraphvizException">dot is not installed, or it failed.</exception>
    public static Task<string> RenderSvgAsync(string dot, CancellationToken cancellationToken) => Graphviz.RenderAsync(dot, "svg", cancellationToken);
}
