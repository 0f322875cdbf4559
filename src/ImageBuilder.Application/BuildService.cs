using ImageBuilder.Application.Registries;
using ImageBuilder.Build.Context;
using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Store;
using ImageBuilder.Core.Tracing;
using ImageBuilder.Linux.Rootless;
using ImageBuilder.Planning;

namespace ImageBuilder.Application;

/// <summary>
/// <c>ibuild build</c> between parsing and rendering: opens the store and clears what killed
/// processes left, protects the build's new content from a prune until the image is named and
/// shipped, plans (pulling base images on demand), imports registry caches, runs the engine, tags,
/// exports, pushes and exports the cache. Progress and notes go to the caller's
/// <see cref="IBuildProgress"/>; plan warnings to its callback. With
/// <see cref="BuildRequest.TracePath"/> the build is traced (see <c>BuildService.Trace.cs</c>).
/// </summary>
public sealed partial class BuildService(StoreService stores, IMachine machine, ExportService exports)
{
    /// <exception cref="Dockerfile.DockerfileException">The plan is refused (located).</exception>
    /// <exception cref="BuildException">A step failed.</exception>
    public Task<BuiltImage> BuildAsync(BuildRequest request, IBuildProgress progress, Action<string> warn, CancellationToken cancellationToken) =>
        request.TracePath is { } tracePath
            ? TracedAsync(tracePath, () => RunAsync(request, progress, warn, cancellationToken), warn)
            : RunAsync(request, progress, warn, cancellationToken);

    private async Task<BuiltImage> RunAsync(BuildRequest request, IBuildProgress progress, Action<string> warn, CancellationToken cancellationToken)
    {
        if (request.Engine.Limits is not null && machine.WhyLimitsUnavailable() is { } why)
        {
            throw new RootlessException(why);
        }

        using var whole = BuildTrace.Phase("build");
        ContentStore store;
        using (BuildTrace.Phase("open store"))
        {
            store = stores.Open(request.Root);
            machine.RemoveStaleCgroups();
            store.RemoveStaleTemporaries();
        }

        // Held until the image is tagged, exported and pushed: a prune waits, so it never takes
        // the blobs, snapshots and cache records this build wrote or reused before they are named.
        using var protect = store.ProtectNewContent();
        using var registries = new RegistryAccess(request.Registries);
        var source = new RegistryImageSource(
            store, registries, machine.TreeWriter, request.Pull, request.Plan.Platform, (title, lines) => progress.Note(title, lines));
        BuildPlan plan;
        using (var planning = BuildTrace.Phase("plan"))
        {
            plan = await new Planner(source).PlanAsync(request.Document, request.Plan, cancellationToken);
            planning.Arg("stages", plan.Stages.Count).Arg("steps", plan.Stages.Sum(s => s.Steps.Count));
        }

        foreach (var warning in plan.Warnings)
        {
            warn(warning);
        }

        await ImportCacheAsync(store, registries, request, progress, cancellationToken);
        var statCache = store.StatCachePath(request.ContextDir);
        BuiltImage built;
        using (BuildTrace.Phase("steps"))
        {
            // Disposed as soon as the steps are done: that stops the build's private network, if a step started it.
            await using var engine = machine.CreateEngine(store, progress);
            built = await engine.BuildAsync(
                plan, () => BuildContext.Load(request.ContextDir, request.DockerfilePath, statCache), request.Engine, cancellationToken);
        }

        using (BuildTrace.Phase("name"))
        {
            Name(store, built, request, progress);
        }

        if (request.Output is { Type: not "registry" } output)
        {
            using var exporting = BuildTrace.Phase("export").Arg("type", output.Type);
            await exports.ExportAsync(store, built, request.Tags, output, cancellationToken);
            progress.Note($"exporting to {output.Type}", [$"wrote {output.Destination}"]);
        }

        await PushAsync(store, registries, plan, built, request, progress, cancellationToken);
        return built;
    }

    /// <summary>Tags the image with every -t name (none: kept untagged).</summary>
    private static void Name(ContentStore store, BuiltImage built, BuildRequest request, IBuildProgress progress)
    {
        if (request.Tags.Count == 0)
        {
            store.Tag(built.Manifest, null);
        }

        foreach (var name in request.Tags)
        {
            store.Tag(built.Manifest, name);
        }

        progress.Note("naming the image", request.Tags.Select(n => $"naming to {n}").Prepend($"writing image {built.Id}"));
    }
}
