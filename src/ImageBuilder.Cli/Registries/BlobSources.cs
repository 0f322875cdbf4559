using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;

namespace ImageBuilder.Cli.Registries;

/// <summary>
/// Which repositories (<c>registry/repository</c>) a blob was pulled from, kept in
/// <c>ibuild/sources/DIGEST</c>: a push to another repository of the same registry asks for a
/// cross-repository mount from there instead of uploading. Only a hint: a stale entry costs
/// one refused mount, after which the blob is uploaded.
/// </summary>
internal static class BlobSources
{
    private const int MaxSources = 8;

    public static void Record(ContentStore store, IEnumerable<Digest> blobs, string repository)
    {
        var dir = Path.Combine(store.Root, "ibuild", "sources");
        Directory.CreateDirectory(dir);
        foreach (var blob in blobs)
        {
            var path = Path.Combine(dir, blob.Encoded);
            var known = Read(path);
            if (known.Contains(repository))
            {
                continue;
            }

            var lines = known.Prepend(repository).Take(MaxSources).ToList();
            var temporary = path + "." + Guid.NewGuid().ToString("N");
            File.WriteAllLines(temporary, lines);
            File.Move(temporary, path, overwrite: true);
        }
    }

    /// <summary>A repository of <paramref name="registry"/> other than <paramref name="except"/> that the blob came from, or null.</summary>
    public static string? MountSource(ContentStore store, Digest blob, string registry, string except)
    {
        var prefix = registry + "/";
        return Read(Path.Combine(store.Root, "ibuild", "sources", blob.Encoded))
            .Where(r => r.StartsWith(prefix, StringComparison.Ordinal))
            .Select(r => r[prefix.Length..])
            .FirstOrDefault(r => r != except);
    }

    private static List<string> Read(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllLines(path).Where(l => l.Length > 0).ToList() : [];
        }
        catch (IOException)
        {
            return [];
        }
    }
}
