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
            using var phase = BuildTrace.Phase("cache import").Arg("ref", source.Reference.ToFamiliarString());
            var lines = new List<string>();
            await new RegistryCache(store, registries, machine.TreeWriter, ProgressNotes.Collect(lines)).ImportAsync(source.Reference, cancellationToken);
            progress.Note($"importing cache from {source.Reference.ToFamiliarString()}", lines);
        }
    }

    private async Task PushAsync(
        ContentStore store, RegistryAccess registries, BuildPlan plan, BuiltImage built, BuildRequest request, IBuildProgress progress,
        CancellationToken cancellationToken)
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
            var image = new ImageRecord(built.Manifest, built.ImageManifest, built.Config, request.Tags);
            foreach (var destination in destinations.DistinctBy(d => d.ToString()))
            {
                using var phase = BuildTrace.Phase("push").Arg("ref", destination.ToFamiliarString());
                var lines = new List<string>();
                await new ImagePusher(store, registries, ProgressNotes.Collect(lines)).PushAsync(image, destination, cancellationToken);
                progress.Note($"pushing {destination.ToFamiliarString()}", lines);
            }
        }

        if (request.CacheTo is { } cacheTo)
        {
            using var phase = BuildTrace.Phase("cache export").Arg("ref", cacheTo.Reference.ToFamiliarString());
            var lines = new List<string>();
            var keys = RegistryCache.KeysToExport(plan, built, cacheTo.Max);
            await new RegistryCache(store, registries, machine.TreeWriter, ProgressNotes.Collect(lines)).ExportAsync(cacheTo.Reference, keys, cancellationToken);
            progress.Note($"exporting cache to {cacheTo.Reference.ToFamiliarString()}", lines);
        }
    }
}
