using System.IO.Pipes;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Layers.Report;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;

namespace ImageBuilder.Application;

/// <summary>
/// <c>history</c> and <c>inspect --layers</c>: what an image's layers hold, read through the
/// store — a layer blob when it is a file, else packed again from its snapshot (a built layer
/// not written as a blob yet), never by mounting anything or writing to the store.
/// </summary>
public sealed class LayerReportService(StoreService stores)
{
    /// <summary>The report of the image <paramref name="target"/> names (of a multi-platform image, <paramref name="platform"/>'s, default this machine's).</summary>
    public async Task<ImageLayers> InspectLayersAsync(string? root, string target, Platform? platform, int top, CancellationToken cancellationToken)
    {
        var store = stores.Open(root);
        var image = store.ResolveImage(target, platform);
        var sources = await ReadLayersAsync(store, image, cancellationToken);
        return new ImageLayers(image, ImageLayersReport.Build(sources, top));
    }

    /// <summary>The image's history, newest first, each entry with the size of the layer it made (0 for none), as <c>docker history</c> lists it.</summary>
    public async Task<ImageHistoryReport> HistoryAsync(string? root, string target, Platform? platform, CancellationToken cancellationToken)
    {
        var store = stores.Open(root);
        var image = store.ResolveImage(target, platform);
        var layers = await ReadLayersAsync(store, image, cancellationToken);
        var rows = ImageHistory.Pair(image.Config)
            .Select(p => new HistoryRow(p.Entry, p.Layer is { } i ? layers[i].Listing.Entries.Sum(e => e.ContentSize) : 0, p.Layer))
            .Reverse()
            .ToList();
        return new ImageHistoryReport(image, rows);
    }

    private static async Task<IReadOnlyList<LayerSource>> ReadLayersAsync(ContentStore store, ImageRecord image, CancellationToken cancellationToken)
    {
        var diffIds = image.Config.RootFs.DiffIds;
        if (diffIds.Count != image.Manifest.Layers.Count)
        {
            throw new StoreException(StoreError.Corrupt,
                $"image {image.Id.Encoded[..12]} has {image.Manifest.Layers.Count} layers but its config lists {diffIds.Count} diff ids");
        }

        var history = ImageHistory.ForLayers(image.Config);
        var sources = new List<LayerSource>();
        for (var i = 0; i < diffIds.Count; i++)
        {
            var blob = image.Manifest.Layers[i];
            var blobSize = store.HasBlobFile(blob.Digest) ? store.BlobSize(blob.Digest) : (long?)null;
            var listing = blobSize is null ? await ListSnapshotAsync(store, blob.Digest, cancellationToken) : await ListBlobAsync(store, blob.Digest, cancellationToken);
            sources.Add(new LayerSource(diffIds[i], blob, blobSize, history[i], listing));
        }

        return sources;
    }

    private static async Task<LayerListing> ListBlobAsync(ContentStore store, Digest blob, CancellationToken cancellationToken)
    {
        await using var stream = store.OpenBlob(blob);
        var (_, tar) = await LayerStreamFormat.OpenAsync(stream, cancellationToken);
        await using (tar)
        {
            return await LayerListing.ReadAsync(tar, cancellationToken);
        }
    }

    /// <summary>A layer kept as its snapshot: packed again into a pipe (the tar the blob would hold) and listed as it comes.</summary>
    private static async Task<LayerListing> ListSnapshotAsync(ContentStore store, Digest blob, CancellationToken cancellationToken)
    {
        using var writer = new AnonymousPipeServerStream(PipeDirection.Out);
        using var reader = new AnonymousPipeClientStream(PipeDirection.In, writer.ClientSafePipeHandle);
        var packing = Task.Run(async () =>
        {
            try
            {
                return await store.PackLazyBlobAsync(blob, writer, LayerCompression.None, cancellationToken);
            }
            finally
            {
                writer.Dispose(); // the reader sees the end
            }
        }, cancellationToken);

        LayerListing listing;
        try
        {
            listing = await LayerListing.ReadAsync(reader, cancellationToken);
        }
        finally
        {
            reader.Dispose(); // a reader that failed early must not leave the packer blocked on a full pipe
        }

        return await packing is null
            ? throw new StoreException(StoreError.BlobNotFound, $"layer {blob} is neither a blob nor a snapshot in the store; `ibuild fsck` tells what is missing")
            : listing;
    }
}

/// <summary>An image and its layer report.</summary>
public sealed record ImageLayers(ImageRecord Image, ImageLayersReport Report);

/// <summary>One history entry as <c>history</c> shows it: the layer it made (null: none) and that layer's size as docker counts it.</summary>
public sealed record HistoryRow(HistoryEntry Entry, long Size, int? Layer);

/// <summary>An image's history rows, newest first.</summary>
public sealed record ImageHistoryReport(ImageRecord Image, IReadOnlyList<HistoryRow> Rows);
