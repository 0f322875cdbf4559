using System.Security.Cryptography;
using System.Text;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Store;

public sealed partial class ContentStore
{
    internal string CachePath => Path(OwnPath, "cache");

    /// <summary>Records of layers converted to another compression: <c>ibuild/converted/&lt;diff id hex&gt;.&lt;compression&gt;</c>.</summary>
    internal string ConvertedRecordsPath => Path(OwnPath, "converted");

    internal string LayerDiffIdsPath => Path(OwnPath, "diffids");

    /// <summary>The build cache record for a step key, or null (also when its layer blob is gone).</summary>
    public CacheRecord? FindCacheRecord(Digest key)
    {
        var path = Path(CachePath, key.Encoded);
        if (!FileSystem.File.Exists(path))
        {
            return null;
        }

        var record = CacheRecord.TryParse(FileSystem.File.ReadAllBytes(path));
        return record is null || (record.Layer is { } layer && !HasBlob(layer.Digest)) ? null : record;
    }

    /// <summary>Stores (or replaces) the record of a step key, atomically.</summary>
    public void WriteCacheRecord(Digest key, CacheRecord record)
    {
        FileSystem.Directory.CreateDirectory(CachePath);
        WriteFileAtomically(Path(CachePath, key.Encoded), record.ToJson());
    }

    /// <summary>A layer (by diff id) already converted to <paramref name="compression"/>, if its blob is still there.</summary>
    public Descriptor? FindConvertedLayer(Digest diffId, LayerCompression compression)
    {
        var path = ConvertedPath(diffId, compression);
        if (!FileSystem.File.Exists(path))
        {
            return null;
        }

        var record = CacheRecord.TryParse(FileSystem.File.ReadAllBytes(path));
        return record?.Layer is { } layer && HasBlob(layer.Digest) ? layer : null;
    }

    /// <summary>Remembers that <paramref name="layer"/> is the layer <paramref name="diffId"/> in <paramref name="compression"/>.</summary>
    public void RecordConvertedLayer(Digest diffId, LayerCompression compression, Descriptor layer)
    {
        FileSystem.Directory.CreateDirectory(ConvertedRecordsPath);
        WriteHintAtomically(ConvertedPath(diffId, compression), new CacheRecord("", layer, diffId).ToJson());
    }

    private string ConvertedPath(Digest diffId, LayerCompression compression) =>
        Path(ConvertedRecordsPath, $"{diffId.Encoded}.{compression.ToString().ToLowerInvariant()}");

    /// <summary>
    /// The diff id that the layer blob <paramref name="blob"/> was found to have when ibuild last
    /// decompressed and hashed it (see <see cref="RecordLayerDiffId"/>); null when never checked.
    /// A blob is content-addressed, so the fact stays true for as long as the blob exists.
    /// </summary>
    public Digest? FindLayerDiffId(Digest blob)
    {
        var path = LayerDiffIdPath(blob);
        return HasBlob(blob) && FileSystem.File.Exists(path)
            && Digest.TryParse(FileSystem.File.ReadAllText(path).Trim(), out var diffId) ? diffId : null;
    }

    /// <summary>Remembers that <paramref name="blob"/> decompresses to a tar whose sha256 is <paramref name="diffId"/>:
    /// only to be called by code that has just computed it from the blob's bytes.</summary>
    public void RecordLayerDiffId(Digest blob, Digest diffId)
    {
        FileSystem.Directory.CreateDirectory(LayerDiffIdsPath);
        WriteHintAtomically(LayerDiffIdPath(blob), Encoding.UTF8.GetBytes(diffId.ToString()));
    }

    private string LayerDiffIdPath(Digest blob) => Path(LayerDiffIdsPath, blob.Encoded);

    /// <summary>Drops the diff id records of blobs that are gone (after a prune).</summary>
    private void RemoveDanglingDiffIdRecords()
    {
        var dir = LayerDiffIdsPath;
        if (!FileSystem.Directory.Exists(dir))
        {
            return;
        }

        foreach (var file in FileSystem.Directory.EnumerateFiles(dir))
        {
            if (!Digest.TryParse("sha256:" + FileSystem.Path.GetFileName(file), out var blob) || !HasBlob(blob))
            {
                FileSystem.File.Delete(file);
            }
        }
    }

    /// <summary>Where the sandbox keeps the syscall filters it compiled (a cache: removing it costs one compile).</summary>
    public string SyscallFilterCachePath => Path(OwnPath, "seccomp");

    /// <summary>Where the build context at <paramref name="contextDir"/> keeps its stat cache (path, size, times, inode → checksum).</summary>
    public string StatCachePath(string contextDir)
    {
        var dir = Path(OwnPath, "contexts");
        FileSystem.Directory.CreateDirectory(dir);
        var full = FileSystem.Path.GetFullPath(contextDir);
        return Path(dir, Convert.ToHexStringLower(Hashing.Sha256.Hash(Encoding.UTF8.GetBytes(full))));
    }

    /// <summary>A new empty directory in the store's scratch space, removed by the owner (or, after a kill, by a later clean-up).</summary>
    public string CreateScratchDirectory()
    {
        var path = NewTemporaryPath();
        FileSystem.Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Drops the cache and converted-layer records whose layer blob is gone (after a prune).</summary>
    private int RemoveDanglingCacheRecords()
    {
        var removed = 0;
        foreach (var directory in new[] { CachePath, ConvertedRecordsPath })
        {
            if (!FileSystem.Directory.Exists(directory))
            {
                continue;
            }

            foreach (var file in FileSystem.Directory.EnumerateFiles(directory).ToList())
            {
                var record = CacheRecord.TryParse(FileSystem.File.ReadAllBytes(file));
                if (record is null || (record.Layer is { } layer && !HasBlob(layer.Digest)))
                {
                    FileSystem.File.Delete(file);
                    removed++;
                }
            }
        }

        return removed;
    }
}
