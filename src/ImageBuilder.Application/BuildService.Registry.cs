using ImageBuilder.Application.Provenance;
using ImageBuilder.Application.Registries;
using ImageBuilder.Build.Engine;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;
using ImageBuilder.Core.Tracing;
using ImageBuilder.Planning;

namespace ImageBuilder.Application;

/// <summary>A build's registry work after planning (which pulls the images it names): importing and exporting the cache, pushing the result.</summary>
public sealed partial class BuildService
{
    private async Task ImportCacheAsync(
        ContentStore store, RegistryAccess registries, BuildRequest request, IBuildProgress progress, CancellationToken cancellationToken)
    {
        foreach (var source in request.CacheFrom)
        {
            using var phase = BuildTrace.Phase("cache import").Arg("ref", source.Name);
            var lines = new List<string>();
            await (source.Directory is { } directory
                ? new LocalCache(store, ProgressNotes.Collect(lines)).ImportAsync(directory, machine.TreeWriter, cancellationToken)
                : new RegistryCache(store, registries, machine.TreeWriter, ProgressNotes.Collect(lines)).ImportAsync(source.Reference!, cancellationToken));
            progress.Note($"importing cache from {source.Name}", lines);
        }
    }

    private async Task PushAsync(
        ContentStore store, RegistryAccess registries, IReadOnlyList<PlatformBuild> builds, Attester provenance, BuildRequest request,
        IBuildProgress progress, CancellationToken cancellationToken)
    {
        var destinations = new List<ImageReference>();
        if (request.Push)
        {
            destinations.AddRange(request.Tags);
        }

        if (request.Output is { Type: "registry" } output)
        {
            destinations.Add(ImageReference.Parse(output.Destination));
        }

        if (destinations.Count > 0)
        {
            var images = builds.Select(b => (new ImageRecord(b.Image.Manifest, b.Image.ImageManifest, b.Image.Config, request.Tags), b.Platform)).ToList();

            // One index for every destination: its subjects name them all, as BuildKit's name=a,b.
            var attest = provenance.For(request.Provenance?.Mode ?? ProvenanceMode.Min, [.. destinations.DistinctBy(d => d.ToString())]);
            foreach (var destination in destinations.DistinctBy(d => d.ToString()))
            {
                using var phase = BuildTrace.Phase("push").Arg("ref", destination.ToFamiliarString());
                var lines = new List<string>();
                var pusher = new ImagePusher(store, registries, ProgressNotes.Collect(lines));
                await (request.Platforms.Count == 0 && attest is null
                    ? pusher.PushAsync(images[0].Item1, destination, cancellationToken)
                    : pusher.PushIndexAsync(images, destination, cancellationToken, attest));
                progress.Note($"pushing {destination.ToFamiliarString()}", lines);
            }
        }

        if (request.CacheTo is { } cacheTo)
        {
            using var phase = BuildTrace.Phase("cache export").Arg("ref", cacheTo.Name);
            var lines = new List<string>();
            var keys = builds.SelectMany(b => RegistryCache.KeysToExport(b.Plan, b.Image, cacheTo.Max)).Distinct().ToList();
            var mounts = cacheTo.Mounts ? CacheMounts.IdsOf(builds.Select(b => b.Plan)) : [];
            await (cacheTo.Directory is { } directory
                ? new LocalCache(store, ProgressNotes.Collect(lines)).ExportAsync(directory, keys, mounts, machine.TreeReader, cancellationToken)
                : new RegistryCache(store, registries, machine.TreeWriter, ProgressNotes.Collect(lines)).ExportAsync(cacheTo.Reference!, keys, mounts, machine.TreeReader, cancellationToken));
            progress.Note($"exporting cache to {cacheTo.Name}", lines);
        }
    }
}
