using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Store;

public sealed partial class StoreChecker
{
    /// <summary>What each layer blob looked at so far unpacks to: its diff id, or why it has none.</summary>
    private readonly Dictionary<Digest, (Digest? DiffId, string? Error)> diffIds = [];

    /// <summary>Why each lazy layer blob looked at so far cannot be made (null: it can).</summary>
    private readonly Dictionary<Digest, string?> lazyBlobs = [];

    /// <summary>Hashes every blob again; returns how many there are.</summary>
    private async Task<int> CheckBlobsAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var digest in store.ListBlobs().ToList())
        {
            count++;
            Digest actual;
            await using (var blob = store.OpenBlob(digest))
            {
                actual = await Digest.Sha256Async(blob, cancellationToken);
            }

            if (actual != digest)
            {
                corrupt[digest] = actual;
                problems.Add(new StoreProblem(StoreDamage.CorruptBlob, digest.ToString(), $"its content hashes to {actual}") { Target = digest });
            }
        }

        return count;
    }

    /// <summary>Why the blob <paramref name="descriptor"/> names cannot be used (missing, corrupt, another size), or null.</summary>
    private string? BlobProblem(Descriptor descriptor, string role)
    {
        if (!store.HasBlob(descriptor.Digest))
        {
            return $"{role} {descriptor.Digest} is missing";
        }

        if (corrupt.ContainsKey(descriptor.Digest))
        {
            return $"{role} {descriptor.Digest} is corrupt";
        }

        var size = store.BlobSize(descriptor.Digest);
        return size == descriptor.Size ? null : $"{role} {descriptor.Digest} has {size} bytes, its descriptor says {descriptor.Size}";
    }

    /// <summary>
    /// Why the whole layer blob <paramref name="layer"/> does not unpack to <paramref name="expected"/>, or null.
    /// A plain tar's diff id is its digest (already checked); gzip and zstd are decompressed and hashed, once per blob.
    /// </summary>
    private async Task<string?> DiffIdProblemAsync(Digest layer, Digest expected, string role, string expectedBy, CancellationToken cancellationToken)
    {
        if (!store.HasBlobFile(layer) && store.FindLazyBlob(layer) is not null)
        {
            // Not written yet: an uncompressed layer (its digest is its diff id), if its snapshot still packs to it.
            return await LazyBlobProblemAsync(layer, cancellationToken) is { } lazy ? $"{role} {layer} {lazy}"
                : layer != expected ? $"{role} {layer} unpacks to diff id {layer}, {expectedBy} says {expected}" : null;
        }

        if (!diffIds.TryGetValue(layer, out var found))
        {
            try
            {
                await using var blob = store.OpenBlob(layer);
                var (compression, tar) = await LayerStreamFormat.OpenAsync(blob, cancellationToken);
                await using (tar)
                {
                    found = (compression == LayerCompression.None ? layer : await Digest.Sha256Async(tar, cancellationToken), null);
                }
            }
            catch (Exception e) when (e is InvalidDataException or IOException or ZstdSharp.ZstdException)
            {
                found = (null, e.Message);
            }

            diffIds[layer] = found;
        }

        return found switch
        {
            { Error: { } error } => $"{role} {layer} does not decompress: {error}",
            { DiffId: { } actual } when actual != expected => $"{role} {layer} unpacks to diff id {actual}, {expectedBy} says {expected}",
            _ => null,
        };
    }

    /// <summary>
    /// Why the layer blob <paramref name="blob"/>, which is not written, cannot be made from the
    /// snapshot its <see cref="LazyBlobRecord"/> names (gone, or packing to something else now), or
    /// null; the snapshot is packed into nothing, never written. Once per blob.
    /// </summary>
    private async Task<string?> LazyBlobProblemAsync(Digest blob, CancellationToken cancellationToken)
    {
        if (lazyBlobs.TryGetValue(blob, out var known))
        {
            return known;
        }

        string? problem = null;
        if (store.FindLazyBlob(blob) is not { } record)
        {
            problem = "is not written and its record is damaged";
        }
        else if (!store.HasSnapshot(record.Snapshot))
        {
            problem = $"is not written and cannot be made: its snapshot {record.Snapshot} is gone";
        }
        else if (await store.LazyBlobDigestAsync(record, cancellationToken) is var made && made != blob)
        {
            problem = $"is not written and cannot be made: its snapshot {record.Snapshot} packs to {made} now";
        }

        lazyBlobs[blob] = problem;
        return problem;
    }
}
