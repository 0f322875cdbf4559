using ImageBuilder.Linux.Native;

namespace ImageBuilder.Linux.Layers;

/// <summary>Sets the owner of a path ibuild made itself (a cache mount's directory), never following a symlink there.</summary>
public static class PathOwner
{
    public static void Set(string path, int uid, int gid)
    {
        Rootless.HostMode.Current.RequireUserNamespace("giving a directory its owner");
        var full = Path.GetFullPath(path).TrimEnd('/');
        using var parent = Syscalls.OpenResolutionRoot(Path.GetDirectoryName(full)!);
        Syscalls.ChangeOwnerNoFollow(parent, Path.GetFileName(full), uid, gid);
    }
}
