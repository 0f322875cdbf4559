namespace ImageBuilder.TestSupport;

/// <summary>
/// What an ibuild store's scratch (<c>ibuild/tmp</c>) holds, read from the outside as fsck reads
/// it: each entry, but a directory of files being written (<c>*.files</c>, one per store object,
/// removed when its process ends) by what it holds. After a command, whatever is listed is a leftover.
/// </summary>
public static class StoreScratch
{
    public static IReadOnlyList<string> Leftovers(string store)
    {
        var scratch = Path.Combine(store, "ibuild", "tmp");
        return !Directory.Exists(scratch)
            ? []
            : [.. Directory.EnumerateFileSystemEntries(scratch)
                .SelectMany(entry => entry.EndsWith(".files", StringComparison.Ordinal) && Directory.Exists(entry) ? Directory.EnumerateFileSystemEntries(entry) : [entry])
                .Order(StringComparer.Ordinal)];
    }
}
