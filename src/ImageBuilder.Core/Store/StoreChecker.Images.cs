using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Store;

public sealed partial class StoreChecker
{
    /// <summary>The layers that images name, by chain id: what a snapshot is compared with.</summary>
    private readonly Dictionary<Digest, ChainLayer> chains = [];

    /// <summary>Checks each index.json entry's image; returns how many entries there are.</summary>
    private async Task<int> CheckImagesAsync(CancellationToken cancellationToken)
    {
        ImageIndex index;
        try
        {
            index = store.ReadIndex();
        }
        catch (StoreException e) when (e.Reason == StoreError.Corrupt)
        {
            problems.Add(new StoreProblem(StoreDamage.DamagedIndex, "index.json",
                $"{e.InnerException?.Message ?? e.Message}; restore it by hand (fsck does not guess tags)"));
            return 0;
        }

        foreach (var entry in index.Manifests)
        {
            var tag = ContentStore.TagOf(entry);
            var name = tag?.ToFamiliarString() ?? "<none>";
            var reasons = new List<string>();
            await CheckManifestAsync(entry, name, reasons, 0, cancellationToken);
            foreach (var reason in reasons)
            {
                problems.Add(new StoreProblem(StoreDamage.BrokenImage, $"{name} (manifest {entry.Digest})", reason)
                {
                    Target = new IndexEntry(entry.Digest, tag?.ToString()),
                });
            }
        }

        return index.Manifests.Count;
    }

    private async Task CheckManifestAsync(Descriptor descriptor, string name, List<string> reasons, int depth, CancellationToken cancellationToken)
    {
        var kind = MediaTypes.IsIndex(descriptor.MediaType) ? "index" : "manifest";
        if (BlobProblem(descriptor, kind) is { } missing)
        {
            reasons.Add(missing);
            return;
        }

        var bytes = store.ReadBlob(descriptor.Digest);
        if (kind == "index")
        {
            if (Parse<ImageIndex>(bytes, descriptor.Digest, "index", "an image index", reasons) is { } index && depth < 4)
            {
                foreach (var child in index.Manifests)
                {
                    await CheckManifestAsync(child, name, reasons, depth + 1, cancellationToken);
                }
            }

            return;
        }

        if (Parse<ImageManifest>(bytes, descriptor.Digest, "manifest", "an image manifest", reasons) is not { } manifest)
        {
            return;
        }

        var config = BlobProblem(manifest.Config, "config") is { } configProblem
            ? Skip<ImageConfig>(reasons, configProblem)
            : Parse<ImageConfig>(store.ReadBlob(manifest.Config.Digest), manifest.Config.Digest, "config", "an image config", reasons);
        var whole = new bool[manifest.Layers.Count];
        for (var i = 0; i < manifest.Layers.Count; i++)
        {
            var problem = BlobProblem(manifest.Layers[i], $"layer {i + 1}");
            whole[i] = problem is null;
            if (problem is not null)
            {
                reasons.Add(problem);
            }
        }

        if (config is null)
        {
            return;
        }

        var diffIds = config.RootFs.DiffIds;
        if (diffIds.Count != manifest.Layers.Count)
        {
            reasons.Add($"the manifest has {manifest.Layers.Count} layers, its config lists {diffIds.Count} diff ids");
            return;
        }

        var chainIds = ChainId.All(diffIds);
        for (var i = 0; i < diffIds.Count; i++)
        {
            if (whole[i] && await DiffIdProblemAsync(manifest.Layers[i].Digest, diffIds[i], $"layer {i + 1}", "the config", cancellationToken) is { } problem)
            {
                reasons.Add(problem);
                whole[i] = false;
            }

            if (!chains.TryGetValue(chainIds[i], out var known) || !known.Whole)
            {
                chains[chainIds[i]] = new ChainLayer(manifest.Layers[i], diffIds[i], $"layer {i + 1} of {name}", whole[i]);
            }
        }
    }

    private static T? Parse<T>(byte[] bytes, Digest digest, string role, string what, List<string> reasons)
        where T : class
    {
        try
        {
            return OciJson.Deserialize<T>(bytes);
        }
        catch (OciFormatException e)
        {
            reasons.Add($"{role} {digest} is not {what}: {e.Message}");
            return null;
        }
    }

    private static T? Skip<T>(List<string> reasons, string reason)
        where T : class
    {
        reasons.Add(reason);
        return null;
    }

    /// <summary>A layer an image names, at a chain id: its blob, its diff id, where it is (for messages), and
    /// whether its blob is whole and unpacks to that diff id (only then can a snapshot be compared with it).</summary>
    private sealed record ChainLayer(Descriptor Layer, Digest DiffId, string Where, bool Whole);

    /// <summary>One index.json entry: the manifest it names and its tag (the full reference), if any.</summary>
    private sealed record IndexEntry(Digest Manifest, string? Tag);
}
