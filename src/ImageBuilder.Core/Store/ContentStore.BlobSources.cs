using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Store;

/// <summary>
/// Which repositories (<c>registry/repository</c>) a blob was pulled from or pushed to, kept in
/// <c>ibuild/sources/DIGEST</c>: a push to another repository of the same registry asks for a
/// cross-repository mount from there instead of uploading. Only a hint: a stale entry costs
/// one refused mount, after which the blob is uploaded.
/// </summary>
public sealed partial class ContentStore
{
    private const int MaxBlobSources = 8;

    private string BlobSourcesPath => Path(OwnPath, "sources");

    /// <summary>Notes that <paramref name="blobs"/> are in <paramref name="repository"/> (newest first, at most 8 per blob; each file replaced atomically).</summary>
    public void RecordBlobSources(IEnumerable<Digest> blobs, string repository)
    {
        FileSystem.Directory.CreateDirectory(BlobSourcesPath);
        foreach (var blob in blobs)
        {
            var path = Path(BlobSourcesPath, blob.Encoded);
            var known = ReadBlobSources(path);
            if (known.Contains(repository))
            {
                continue;
            }

            var lines = known.Prepend(repository).Take(MaxBlobSources).Select(l => l + "\n");
            WriteHintAtomically(path, System.Text.Encoding.UTF8.GetBytes(string.Concat(lines)));
        }
    }

    /// <summary>Whether <paramref name="blob"/> was pulled from or pushed to <paramref name="repository"/> (<c>registry/repository</c>), as far as this store knows.</summary>
    public bool HasBlobSource(Digest blob, string repository) => ReadBlobSources(Path(BlobSourcesPath, blob.Encoded)).Contains(repository);

    /// <summary>A repository of <paramref name="registry"/> other than <paramref name="except"/> that the blob came from, or null.</summary>
    public string? BlobMountSource(Digest blob, string registry, string except)
    {
        var prefix = registry + "/";
        return ReadBlobSources(Path(BlobSourcesPath, blob.Encoded))
            .Where(r => r.StartsWith(prefix, StringComparison.Ordinal))
            .Select(r => r[prefix.Length..])
            .FirstOrDefault(r => r != except);
    }

    private List<string> ReadBlobSources(string path)
    {
        try
        {
            return FileSystem.File.Exists(path) ? FileSystem.File.ReadAllLines(path).Where(l => l.Length > 0).ToList() : [];
        }
        catch (IOException)
        {
            return [];
        }
    }
}
