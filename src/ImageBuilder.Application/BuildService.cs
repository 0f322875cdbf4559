using ImageBuilder.Application.Provenance;
using ImageBuilder.Application.Registries;
using ImageBuilder.Build.Context;
using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Oci;
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
    /// <summary>Builds; returns the id: the image's (its config digest), or a multi-platform build's index digest.</summary>
    /// <exception cref="Dockerfile.DockerfileException">The plan is refused (located).</exception>
    /// <exception cref="BuildException">A step failed.</exception>
    public Task<BuildResult> BuildAsync(BuildRequest request, IBuildProgress progress, Action<string> warn, CancellationToken cancellationToken) =>
        request.TracePath is { } tracePath
            ? TracedAsync(tracePath, () => RunAsync(request, progress, warn, cancellationToken), warn)
            : RunAsync(request, progress, warn, cancellationToken);

    private async Task<BuildResult> RunAsync(BuildRequest request, IBuildProgress progress, Action<string> warn, CancellationToken cancellationToken)
    {
        if (request.Engine.Limits is not null && machine.WhyLimitsUnavailable() is { } why)
        {
            throw new RootlessException(why);
        }

        var started = DateTimeOffset.UtcNow;
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
        var pulling = new RegistryImageSource(store, registries, machine.TreeWriter, request.Pull, (title, lines) => progress.Note(title, lines));
        var layouts = request.Plan.Contexts.Values.OfType<ImageContext>().Select(c => c.Reference).ToHashSet(StringComparer.Ordinal);
        var source = new LayoutImageSource(pulling, store, machine.TreeWriter, layouts);
        var plans = await PlanAsync(source, request, warn, cancellationToken);
        await ImportCacheAsync(store, registries, request, progress, cancellationToken);

        // One platform after the other: a stage the platforms share (FROM --platform=$BUILDPLATFORM
        // without TARGET* args) runs for the first and is a cache hit for the others.
        var builds = new List<PlatformBuild>();
        using (var agents = await SshAgents.StartAsync(request.Ssh, store, cancellationToken))
        {
            foreach (var (platform, plan) in plans)
            {
                // A step's inputs are remembered under the Dockerfile's path and the platform (a miss says what changed).
                var engine = request.Engine with { SshAgents = agents.Sockets, StepScope = StepHistory.Scope(request.ContextDir, request.DockerfilePath, platform) };
                builds.Add(new PlatformBuild(platform, plan, await RunStepsAsync(store, plan, request with { Engine = engine }, progress, cancellationToken)));
            }
        }

        var provenance = new Attester(store, builds, Facts(request, started));
        var id = await ShipAsync(store, registries, builds, provenance, request, progress, cancellationToken);
        var counts = builds.Select(b => b.Image.Counts).Aggregate((a, b) => a + b);
        var size = builds.Sum(b => b.Image.ImageManifest.Config.Size + b.Image.ImageManifest.Layers.Sum(l => l.Size));
        return new BuildResult(id, counts, size);
    }

    /// <summary>A plan per platform (the plan's own without --platform a,b), each checked for an emulator where it needs one: before any step runs.</summary>
    private async Task<List<(Platform Platform, BuildPlan Plan)>> PlanAsync(
        IImageSource source, BuildRequest request, Action<string> warn, CancellationToken cancellationToken)
    {
        var platforms = request.Platforms.Count > 0 ? request.Platforms : new[] { request.Plan.Platform };
        var plans = new List<(Platform Platform, BuildPlan Plan)>();
        var warned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var platform in platforms)
        {
            var options = request.Plan with { Platform = platform, ShowPlatform = platforms.Count > 1 };
            using var planning = BuildTrace.Phase("plan").Arg("platform", platform.ToString());
            var plan = await new Planner(source).PlanAsync(request.Document, options, cancellationToken);
            planning.Arg("stages", plan.Stages.Count).Arg("steps", plan.Stages.Sum(s => s.Steps.Count));
            BuildEngine.RequireRunnablePlatforms(plan, machine.WhyCannotRun);
            plans.Add((platform, plan));
            foreach (var warning in plan.Warnings.Where(warned.Add))
            {
                warn(warning);
            }
        }

        return plans;
    }

    /// <summary>
    /// Names the image (a multi-platform build: the index of its images), exports and pushes it;
    /// returns its id (the config digest; the index digest).
    /// </summary>
    /// <remarks>
    /// With provenance (see <see cref="BuildRequest.Provenance"/>), what carries it is an index:
    /// the images, then an attestation manifest about each as that output holds it.
    /// </remarks>
    private async Task<Digest> ShipAsync(
        ContentStore store, RegistryAccess registries, IReadOnlyList<PlatformBuild> builds, Attester provenance, BuildRequest request,
        IBuildProgress progress, CancellationToken cancellationToken)
    {
        var single = request.Platforms.Count == 0;
        var images = builds.Select(b => (new ImageRecord(b.Image.Manifest, b.Image.ImageManifest, b.Image.Config, request.Tags), b.Platform)).ToList();
        Digest id;
        using (BuildTrace.Phase("name"))
        {
            var attest = provenance.For(request.Provenance?.Mode ?? ProvenanceMode.Off, request.Tags);
            var named = single && attest is null ? builds[0].Image.Manifest
                : store.WriteImageIndex(images, attest is null ? [] : [.. images.Select(i => attest(i.Item1, i.Platform))]);
            id = MediaTypes.IsIndex(named.MediaType) ? named.Digest : builds[0].Image.Id;
            Name(store, named, id, request, progress);
        }

        if (request.Output is { Type: not "registry" } output)
        {
            using var exporting = BuildTrace.Phase("export").Arg("type", output.Type);
            // An OCI archive holds an index with its attestations; a docker archive, a tar or a directory hold one image.
            var attest = output.Type == "oci" ? provenance.For(request.Provenance?.Mode ?? ProvenanceMode.Min, request.Tags) : null;
            await (single && attest is null
                ? exports.ExportAsync(store, builds[0].Image, request.Tags, output, cancellationToken)
                : exports.ExportIndexAsync(store, images, request.Tags, output, cancellationToken, attest));
            var lines = new List<string> { $"wrote {output.Destination}" };
            if (attest is null && output.Type != "oci" && request.Provenance is { Mode: not ProvenanceMode.Off })
            {
                lines.Add($"no provenance attestation in type={output.Type}: it holds one image, not an index (type=oci and the store have it)");
            }

            progress.Note($"exporting to {output.Type}", lines);
        }

        await PushAsync(store, registries, builds, provenance, request, progress, cancellationToken);
        return id;
    }

    private async Task<BuiltImage> RunStepsAsync(ContentStore store, BuildPlan plan, BuildRequest request, IBuildProgress progress, CancellationToken cancellationToken)
    {
        using var steps = BuildTrace.Phase("steps");
        var statCache = store.StatCachePath(request.ContextDir);

        // Disposed as soon as the steps are done: that stops the build's private network, if a step started it.
        await using var engine = machine.CreateEngine(store, progress);
        return await engine.BuildAsync(plan, name => name is null
                ? BuildContext.Load(request.ContextDir, request.DockerfilePath, statCache)
                : NamedDirectory(store, request, name), request.Engine, cancellationToken);
    }

    /// <summary>A named directory context (<c>--build-context NAME=DIR</c>), with its own stat cache and .dockerignore.</summary>
    private static BuildContext NamedDirectory(ContentStore store, BuildRequest request, string name)
    {
        var directory = ((DirectoryContext)request.Plan.Contexts[name]).Directory;
        return BuildContext.LoadNamed(directory, store.StatCachePath(directory));
    }

    /// <summary>Tags the image (or index) with every -t name (none: kept untagged).</summary>
    private static void Name(ContentStore store, Descriptor manifest, Digest id, BuildRequest request, IBuildProgress progress)
    {
        if (request.Tags.Count == 0)
        {
            store.Tag(manifest, null);
        }

        foreach (var name in request.Tags)
        {
            store.Tag(manifest, name);
        }

        var platforms = request.Platforms.Count > 0 ? $"{request.Platforms.Count} platforms" : "1 platform";
        var attested = request.Provenance is { Mode: not ProvenanceMode.Off } ? ", with provenance" : "";
        var what = MediaTypes.IsIndex(manifest.MediaType) ? $"writing image index {id} ({platforms}{attested})" : $"writing image {id}";
        progress.Note("naming the image", request.Tags.Select(n => $"naming to {n}").Prepend(what));
    }
}

/// <summary>One platform's build: its plan and the image it made.</summary>
internal sealed record PlatformBuild(Platform Platform, BuildPlan Plan, BuiltImage Image);

/// <summary>
/// A finished build: the image (or index) id, the steps that ran and were cached and the layer bytes
/// written, and the image's size (its config and layer blobs, as <c>ibuild images</c> counts).
/// </summary>
public sealed record BuildResult(Digest Id, StepCounts Counts, long ImageSize);
