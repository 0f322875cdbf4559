using ImageBuilder.Linux.Native;
using ImageBuilder.Linux.Sandbox;

namespace ImageBuilder.Linux.Layers;

/// <summary>WORKDIR's directory: made inside a root, every step resolved in it (symlinks cannot lead out).</summary>
public static class RootDirectory
{
    /// <summary>
    /// Creates <paramref name="path"/> and its missing parents inside <paramref name="root"/>, mode
    /// 0755, owned by <paramref name="user"/> as the image's /etc/passwd and /etc/group resolve it
    /// (root when null). Existing directories are left as they are. Returns false when the path
    /// (or a parent) exists and is not a directory.
    /// </summary>
    /// <exception cref="SandboxException">The user or group is not in the image.</exception>
    public static bool Create(string root, string path, string? user)
    {
        var owner = UserDatabase.Resolve(root, user);
        using var resolver = RootResolver.Open(root);
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var prefix = string.Join('/', parts.Take(i + 1));
            var (parent, name) = resolver.OpenParent(prefix, createMissing: false);
            using (parent)
            {
                var type = Syscalls.GetNodeTypeNoFollow(parent, name);
                if (type == FileNodeType.Missing)
                {
                    Syscalls.MakeDirectoryAt(parent, name, 0x1ed);
                    Syscalls.ChangeOwnerNoFollow(parent, name, (int)owner.Uid, (int)owner.Gid);
                    // mkdir applies the umask; the mode is 0755 whatever it is.
                    Syscalls.ChangeModeNoFollow(parent, name, 0x1ed);
                }
                else if (type != FileNodeType.Directory && type != FileNodeType.Symlink)
                {
                    return false;
                }
            }
        }

        return true;
    }
}
