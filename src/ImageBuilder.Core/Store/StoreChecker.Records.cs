using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Store;

public sealed partial class StoreChecker
{
    /// <summary>Checks the build cache records, the converted-layer records, the layer diff id records and the lazy blob records;
    /// returns how many cache and converted records there are (the summary's "cache records"; the others are checked, not counted).</summary>
    private async Task<int> CheckRecordsAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        var fs = store.FileSystem;
        foreach (var directory in new[] { store.CachePath, store.ConvertedRecordsPath, store.LayerDiffIdsPath, store.LazyBlobsPath })
        {
            if (!fs.Directory.Exists(directory))
            {
                continue;
            }

            foreach (var file in fs.Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal).ToList())
            {
                var counted = directory == store.CachePath || directory == store.ConvertedRecordsPath;
                count += counted ? 1 : 0;
                var problem = directory == store.LayerDiffIdsPath ? await DiffIdRecordProblemAsync(file, cancellationToken)
                    : directory == store.LazyBlobsPath ? await LazyRecordProblemAsync(file, cancellationToken)
                    : await RecordProblemAsync(file, cancellationToken);
                if (problem is { } reason)
                {
                    problems.Add(new StoreProblem(StoreDamage.BrokenRecord, Relative(file), reason) { Target = file });
                }
            }
        }

        return count;
    }

    /// <summary>
    /// Why a layer diff id record (<c>ibuild/diffids/BLOB</c>) cannot be trusted: load and pull skip
    /// hashing a layer it vouches for, so one that names the wrong diff id would let a wrong layer
    /// in. Its blob must exist and decompress to the diff id it states.
    /// </summary>
    private async Task<string?> DiffIdRecordProblemAsync(string file, CancellationToken cancellationToken)
    {
        var fs = store.FileSystem;
        if (!Digest.TryParse("sha256:" + fs.Path.GetFileName(file), out var blob)
            || !Digest.TryParse(fs.File.ReadAllText(file).Trim(), out var diffId))
        {
            return "it is damaged (not a record ibuild can read)";
        }

        if (!store.HasBlob(blob))
        {
            return $"its layer {blob} is not in the store";
        }

        return await DiffIdProblemAsync(blob, diffId, "its layer", "the record", cancellationToken);
    }

    /// <summary>Why a record cannot be used: it does not parse, or its layer blob is missing, corrupt, of
    /// another size, or does not unpack to the record's diff id. A record without a layer (a step that
    /// changed no file) names nothing.</summary>
    private async Task<string?> RecordProblemAsync(string file, CancellationToken cancellationToken)
    {
        if (CacheRecord.TryParse(store.FileSystem.File.ReadAllBytes(file)) is not { } record)
        {
            return "it is damaged (not a record ibuild can read)";
        }

        if (record is not { Layer: { } layer, DiffId: { } diffId })
        {
            return null;
        }

        return BlobProblem(layer, "its layer") ?? await DiffIdProblemAsync(layer.Digest, diffId, "its layer", "the record", cancellationToken);
    }

    /// <summary>Why a lazy blob record (<c>ibuild/lazy-blobs/BLOB</c>) is broken: it does not parse, or its blob is
    /// neither written nor can be made from the snapshot it names. Once the blob is written the record is only redundant.</summary>
    private async Task<string?> LazyRecordProblemAsync(string file, CancellationToken cancellationToken)
    {
        var fs = store.FileSystem;
        byte[] bytes;
        try
        {
            bytes = fs.File.ReadAllBytes(file);
        }
        catch (FileNotFoundException)
        {
            return null; // its blob was made (and the record removed) by a save or push meanwhile
        }

        if (!Digest.TryParse("sha256:" + fs.Path.GetFileName(file), out var blob) || LazyBlobRecord.TryParse(bytes) is null)
        {
            return "it is damaged (not a record ibuild can read)";
        }

        return store.HasBlobFile(blob) ? null
            : await LazyBlobProblemAsync(blob, cancellationToken) is { } problem ? $"its layer {blob} {problem}" : null;
    }
}
