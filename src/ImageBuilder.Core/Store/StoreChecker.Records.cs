namespace ImageBuilder.Core.Store;

public sealed partial class StoreChecker
{
    /// <summary>Checks the build cache records and the converted-layer records; returns how many there are.</summary>
    private async Task<int> CheckRecordsAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        var fs = store.FileSystem;
        foreach (var directory in new[] { store.CachePath, store.ConvertedRecordsPath })
        {
            if (!fs.Directory.Exists(directory))
            {
                continue;
            }

            foreach (var file in fs.Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal).ToList())
            {
                count++;
                if (await RecordProblemAsync(file, cancellationToken) is { } reason)
                {
                    problems.Add(new StoreProblem(StoreDamage.BrokenRecord, Relative(file), reason) { Target = file });
                }
            }
        }

        return count;
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
}
