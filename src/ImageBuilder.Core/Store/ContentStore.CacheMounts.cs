using System.Text;

namespace ImageBuilder.Core.Store;

public sealed partial class ContentStore
{
    /// <summary>
    /// Where the directory of the RUN --mount=type=cache with <paramref name="id"/> is
    /// (<c>ibuild/cache-mounts/sha256(id)</c>, its lock file beside it with <c>.lock</c>); the
    /// directory holding them is made.
    /// </summary>
    public string CacheMountPath(string id)
    {
        var root = Path(Root, "ibuild", "cache-mounts");
        FileSystem.Directory.CreateDirectory(root);
        return Path(root, Convert.ToHexStringLower(Hashing.Sha256.Hash(Encoding.UTF8.GetBytes(id))));
    }
}
