namespace ImageBuilder.Core.Layers.Report;

/// <summary>
/// The efficiency score of wagoodman/dive (<c>filetree.Efficiency</c>), recomputed from the layer
/// listings. Every leaf of each layer's own tree (a non-directory entry, a whiteout, a directory
/// with nothing below it in that layer) is a sighting of its path; its size is the tar header's
/// (regular files only; links and directories 0), and a whiteout's is the total size of what the
/// layers below hold under the directory it deletes (0 when it deletes a file). Per path dive
/// keeps the smallest sighting and the sum of all; the score is Σ smallest / Σ sums (1 when
/// nothing has a size). A path seen once scores perfectly; a file written twice costs its
/// larger copies, a deleted one its whole size. Like dive, opaque markers are ignored.
/// </summary>
public static class DiveEfficiency
{
    public static double Score(IReadOnlyList<LayerListing> layers)
    {
        var sightings = new Dictionary<string, (long Min, long Sum)>(StringComparer.Ordinal);
        var stacked = new SortedDictionary<string, long>(StringComparer.Ordinal); // path → header size; directories are "path/" keys
        foreach (var layer in layers)
        {
            var entries = Leaves(layer);
            foreach (var entry in entries)
            {
                var size = entry.Kind == LayerEntryKind.Whiteout ? DeletedSize(stacked, entry.Path) : entry.Size;
                sightings[entry.Path] = sightings.TryGetValue(entry.Path, out var seen)
                    ? (Math.Min(seen.Min, size), seen.Sum + size)
                    : (size, size);
            }

            Stack(stacked, layer);
        }

        var smallest = sightings.Values.Sum(s => s.Min);
        var total = sightings.Values.Sum(s => s.Sum);
        return total == 0 ? 1.0 : (double)smallest / total;
    }

    /// <summary>The leaves of one layer's tree: entries nothing else of the layer lies below.</summary>
    private static List<LayerEntry> Leaves(LayerListing layer)
    {
        var parents = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in layer.Entries.Where(e => e.Kind != LayerEntryKind.Opaque))
        {
            for (var slash = entry.Path.LastIndexOf('/'); slash > 0; slash = entry.Path.LastIndexOf('/', slash - 1))
            {
                if (!parents.Add(entry.Path[..slash]))
                {
                    break;
                }
            }
        }

        // The last entry of a path wins within a layer, as dive's tree keeps one node per path.
        var leaves = new Dictionary<string, LayerEntry>(StringComparer.Ordinal);
        foreach (var entry in layer.Entries.Where(e => e.Kind != LayerEntryKind.Opaque && e.Path.Length > 0 && !parents.Contains(e.Path)))
        {
            leaves[entry.Path] = entry;
        }

        return [.. leaves.Values];
    }

    /// <summary>What a whiteout of <paramref name="path"/> deletes, in dive's sizes: a directory's whole content, a file nothing.</summary>
    private static long DeletedSize(SortedDictionary<string, long> stacked, string path) =>
        stacked.ContainsKey(path + "/")
            ? stacked.Where(p => p.Key.StartsWith(path + "/", StringComparison.Ordinal)).Sum(p => p.Value)
            : 0;

    /// <summary>Lays <paramref name="layer"/> on the stacked tree: whiteouts remove, other entries add (opaque markers ignored).</summary>
    private static void Stack(SortedDictionary<string, long> stacked, LayerListing layer)
    {
        foreach (var entry in layer.Entries.Where(e => e.Path.Length > 0))
        {
            switch (entry.Kind)
            {
                case LayerEntryKind.Opaque:
                    break;
                case LayerEntryKind.Whiteout:
                    stacked.Remove(entry.Path);
                    foreach (var key in stacked.Keys.Where(k => k == entry.Path + "/" || k.StartsWith(entry.Path + "/", StringComparison.Ordinal)).ToList())
                    {
                        stacked.Remove(key);
                    }

                    break;
                case LayerEntryKind.Directory:
                    stacked[entry.Path + "/"] = 0;
                    break;
                default:
                    stacked[entry.Path] = entry.Size;
                    break;
            }
        }

        // Parents a layer implies without an entry of their own are directories too.
        foreach (var entry in layer.Entries.Where(e => e.Kind != LayerEntryKind.Whiteout))
        {
            for (var slash = entry.Path.IndexOf('/'); slash > 0; slash = entry.Path.IndexOf('/', slash + 1))
            {
                stacked.TryAdd(entry.Path[..(slash + 1)], 0);
            }
        }
    }
}
