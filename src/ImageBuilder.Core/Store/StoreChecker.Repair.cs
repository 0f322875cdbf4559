using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Store;

public sealed partial class StoreChecker
{
    /// <summary>
    /// Removes what the check found broken (the caller holds gc.lock exclusively), then says for
    /// each problem what became of it. Tags go first, so that no name points at what goes next.
    /// </summary>
    private void Repair()
    {
        var entries = Targets<IndexEntry>(StoreDamage.BrokenImage).ToHashSet();
        if (entries.Count > 0)
        {
            store.RemoveIndexEntries((manifest, tag) => entries.Contains(new IndexEntry(manifest, tag?.ToString())));
        }

        foreach (var path in Targets<string>(StoreDamage.BrokenRecord).Concat(Targets<string>(StoreDamage.LeftoverScratch)))
        {
            store.DeleteTree(path);
        }

        foreach (var chainId in Targets<Digest>(StoreDamage.BrokenSnapshot))
        {
            store.DeleteSnapshot(chainId);
        }

        foreach (var blob in Targets<Digest>(StoreDamage.CorruptBlob))
        {
            store.DeleteTree(store.BlobPath(blob));
        }

        var remaining = entries.Count > 0 ? RemainingEntries() : [];
        for (var i = 0; i < problems.Count; i++)
        {
            problems[i] = problems[i] with { Repair = Outcome(problems[i], remaining) };
        }
    }

    /// <summary>What became of one problem's target after the repair; null when it is still there.</summary>
    private string? Outcome(StoreProblem problem, HashSet<IndexEntry> remaining) => problem.Target switch
    {
        IndexEntry entry when !remaining.Contains(entry) => entry.Tag is null ? "entry removed from index.json" : "tag removed",
        Digest blob when problem.Damage == StoreDamage.CorruptBlob && !store.HasBlob(blob) => "removed",
        Digest snapshot when problem.Damage == StoreDamage.BrokenSnapshot && !store.HasSnapshot(snapshot) => "removed",
        string path when !store.FileSystem.File.Exists(path) && !store.FileSystem.Directory.Exists(path) => "removed",
        _ => null,
    };

    private HashSet<IndexEntry> RemainingEntries() =>
        store.ReadIndex().Manifests.Select(d => new IndexEntry(d.Digest, ContentStore.TagOf(d)?.ToString())).ToHashSet();

    private IEnumerable<T> Targets<T>(StoreDamage damage) =>
        problems.Where(p => p.Damage == damage).Select(p => p.Target).OfType<T>().Distinct();
}
