using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Layers.Report;

/// <summary>One layer as the report reads it: where it comes from, the history entry that made it, and its entries.</summary>
/// <param name="BlobSize">the blob's bytes as stored (compressed when the layer is); null when no blob file exists yet (a built layer kept as its snapshot).</param>
public sealed record LayerSource(Digest DiffId, Descriptor Blob, long? BlobSize, HistoryEntry? History, LayerListing Listing);

/// <summary>A file and its size.</summary>
public sealed record LayerFile(string Path, long Size);

/// <summary>
/// One layer's line of the report.
/// <see cref="TarSize"/> is the uncompressed tar's length (the diff id's content);
/// <see cref="Size"/> the bytes of its files as docker counts a layer (<see cref="LayerEntry.ContentSize"/>);
/// <see cref="WastedBytes"/> the bytes of its files that later layers overwrite or delete.
/// </summary>
public sealed record LayerReport(
    int Index,
    Digest DiffId,
    Descriptor Blob,
    long? BlobSize,
    long TarSize,
    long Size,
    int Entries,
    HistoryEntry? History,
    IReadOnlyList<LayerFile> LargestFiles,
    long WastedBytes,
    IReadOnlyList<HiddenFile> WastedFiles);

/// <summary>
/// What each layer of an image holds and how much of it is wasted, with the image's totals and
/// dive's efficiency score (<see cref="DiveEfficiency"/>).
/// </summary>
public sealed record ImageLayersReport(IReadOnlyList<LayerReport> Layers, long Size, long TarSize, long WastedBytes, double Efficiency)
{
    /// <summary>Builds the report; each layer lists its <paramref name="top"/> largest files and wasted files.</summary>
    public static ImageLayersReport Build(IReadOnlyList<LayerSource> layers, int top)
    {
        var hiding = new HiddenContent();
        for (var i = 0; i < layers.Count; i++)
        {
            foreach (var entry in layers[i].Listing.Entries)
            {
                hiding.Apply(i, entry);
            }
        }

        var reports = layers.Select((layer, i) =>
        {
            var wasted = hiding.Hidden.Where(h => h.Layer == i).ToList();
            var largest = layer.Listing.Entries
                .Where(e => e.Kind == LayerEntryKind.File)
                .OrderByDescending(e => e.Size).ThenBy(e => e.Path, StringComparer.Ordinal)
                .Take(top)
                .Select(e => new LayerFile(e.Path, e.Size))
                .ToList();
            return new LayerReport(
                i, layer.DiffId, layer.Blob, layer.BlobSize, layer.Listing.TarSize, layer.Listing.Entries.Sum(e => e.ContentSize),
                layer.Listing.Entries.Count, layer.History, largest, wasted.Sum(w => w.Size),
                [.. wasted.OrderByDescending(w => w.Size).ThenBy(w => w.Path, StringComparer.Ordinal).Take(top)]);
        }).ToList();
        return new ImageLayersReport(
            reports, reports.Sum(r => r.Size), reports.Sum(r => r.TarSize), reports.Sum(r => r.WastedBytes),
            DiveEfficiency.Score([.. layers.Select(l => l.Listing)]));
    }
}

/// <summary>The image config's history paired with the layers, as <c>docker history</c> pairs them.</summary>
public static class ImageHistory
{
    /// <summary>
    /// Each history entry, newest last, with the index of the layer it made (null for an empty
    /// layer): entries that are not <c>empty_layer</c> take the layers in order. Layers the
    /// history does not cover (an image without history) get an entry of their own.
    /// </summary>
    public static IReadOnlyList<(HistoryEntry Entry, int? Layer)> Pair(ImageConfig config)
    {
        var layers = config.RootFs.DiffIds.Count;
        var rows = new List<(HistoryEntry, int?)>();
        var next = 0;
        foreach (var entry in config.History ?? [])
        {
            rows.Add((entry, !entry.EmptyLayer && next < layers ? next++ : null));
        }

        for (; next < layers; next++)
        {
            rows.Add((new HistoryEntry(), next));
        }

        return rows;
    }

    /// <summary>The history entry that made each layer (null where the history says nothing).</summary>
    public static IReadOnlyList<HistoryEntry?> ForLayers(ImageConfig config)
    {
        var byLayer = new HistoryEntry?[config.RootFs.DiffIds.Count];
        foreach (var (entry, layer) in Pair(config))
        {
            if (layer is { } i)
            {
                byLayer[i] = entry;
            }
        }

        return byLayer;
    }
}
