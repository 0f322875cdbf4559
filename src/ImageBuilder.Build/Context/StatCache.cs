using System.Text.Json;

namespace ImageBuilder.Build.Context;

/// <summary>What the stat cache remembers of one file: the stat it was hashed at, and the hash.</summary>
internal sealed record StatCacheRecord(long Size, long ModifiedNs, long ChangedNs, ulong Inode, ulong Device, string Sha256)
{
    public bool Matches(ContextEntry entry) =>
        entry.Size == Size && entry.ModifiedNanoseconds == ModifiedNs && entry.ChangedNanoseconds == ChangedNs
        && entry.Inode == Inode && entry.Device == Device;
}

/// <summary>
/// The file ibuild keeps between builds so that a warm rebuild hashes only files whose stat
/// changed: context root, then relative path → (size, mtime, ctime, inode, device, sha256).
/// Written to a temporary file beside it and renamed, so a reader sees the old or the new file.
/// A file that cannot be read (missing, another version, corrupt) is simply an empty cache.
/// </summary>
internal static class StatCache
{
    private const int FormatVersion = 1;

    internal sealed record Document(int Version, string Root, Dictionary<string, StatCacheRecord> Files);

    public static Dictionary<string, StatCacheRecord> Load(string? path, string root)
    {
        if (path is null || !File.Exists(path))
        {
            return new(StringComparer.Ordinal);
        }

        try
        {
            using var stream = File.OpenRead(path);
            var document = JsonSerializer.Deserialize(stream, StatCacheJson.Default.Document);
            return document is { Version: FormatVersion } && document.Root == root && document.Files is not null
                ? new(document.Files, StringComparer.Ordinal)
                : new(StringComparer.Ordinal);
        }
        catch (Exception error) when (error is JsonException or IOException or UnauthorizedAccessException)
        {
            return new(StringComparer.Ordinal);
        }
    }

    public static void Save(string path, string root, Dictionary<string, StatCacheRecord> files)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                JsonSerializer.Serialize(stream, new Document(FormatVersion, root, files), StatCacheJson.Default.Document);
                // Not flushed to disk: a cache whose loss after a crash costs one re-hash, and
                // StatCache.Load takes a damaged file for an empty cache.
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}

/// <summary>The stat cache's JSON, source-generated (ibuild is compiled ahead of time: no reflection).</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(StatCache.Document))]
internal sealed partial class StatCacheJson : System.Text.Json.Serialization.JsonSerializerContext;
