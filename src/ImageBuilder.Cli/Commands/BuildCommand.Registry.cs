using ImageBuilder.Build.Engine;
using ImageBuilder.Cli.Progress;
using ImageBuilder.Cli.Registries;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;
using ImageBuilder.Planning;

namespace ImageBuilder.Cli.Commands;

/// <summary>A build's registry work: pulling named images, importing and exporting the cache, pushing the result.</summary>
internal sealed partial class BuildCommand
{
    private static RegistryImageSource ImageSource(ContentStore store, RegistryAccess registries, BuildSettings settings, IBuildProgress progress) =>
        new(store, registries, settings.Pull, settings.Plan.Platform, (title, lines) => progress.Note(title, lines));

    private static async Task ImportCacheAsync(
        ContentStore store, RegistryAccess registries, BuildSettings settings, IBuildProgress progress, CancellationToken cancellationToken)
    {
        foreach (var source in settings.CacheFrom)
        {
            var lines = new List<string>();
            await new RegistryCache(store, registries, Collect(lines)).ImportAsync(source.Reference, cancellationToken);
            progress.Note($"importing cache from {source.Reference.ToFamiliarString()}", lines);
        }
    }

    private static async Task PushAsync(
        ContentStore store, RegistryAccess registries, BuildPlan plan, BuiltImage built, IReadOnlyList<ImageReference> names, BuildSettings settings,
        IBuildProgress progress, CancellationToken cancellationToken)
    {
        var destinations = new List<ImageReference>();
        if (settings.Push)
        {
            destinations.AddRange(names);
        }

        if (settings.Output is { Type: "registry" } output)
        {
            destinations.Add(StoreCommands.ParseReference(output.Destination));
        }

        if (destinations.Count > 0)
        {
            var image = new ImageRecord(built.Manifest, built.ImageManifest, built.Config, names);
            foreach (var destination in destinations.DistinctBy(d => d.ToString()))
            {
                var lines = new List<string>();
                await new ImagePusher(store, registries, Collect(lines)).PushAsync(image, destination, cancellationToken);
                progress.Note($"pushing {destination.ToFamiliarString()}", lines);
            }
        }

        if (settings.CacheTo is { } cacheTo)
        {
            var lines = new List<string>();
            var keys = RegistryCache.KeysToExport(plan, built, cacheTo.Max);
            await new RegistryCache(store, registries, Collect(lines)).ExportAsync(cacheTo.Reference, keys, cancellationToken);
            progress.Note($"exporting cache to {cacheTo.Reference.ToFamiliarString()}", lines);
        }
    }

    private static Action<string> Collect(List<string> lines) => line =>
    {
        lock (lines)
        {
            lines.Add(line);
        }
    };
}
