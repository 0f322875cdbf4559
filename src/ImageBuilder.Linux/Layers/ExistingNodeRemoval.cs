using ImageBuilder.Linux.Native;
using Microsoft.Win32.SafeHandles;

namespace ImageBuilder.Linux.Layers;

/// <summary>
/// Clears a name in a directory the writer holds open, so a new entry can take it. Removal works
/// only through descriptors: a directory is opened with O_NOFOLLOW and emptied by names inside
/// it, so a symlink is only ever unlinked itself and never leads the removal anywhere else (the
/// mistake behind BuildKit's CVE-2024-23652).
/// </summary>
internal static class ExistingNodeRemoval
{
    /// <summary>
    /// Removes whatever <paramref name="name"/> is, except a directory when
    /// <paramref name="keepDirectory"/> is set. Returns the type found there (after removal,
    /// only <see cref="FileNodeType.Directory"/> or <see cref="FileNodeType.Missing"/> can remain).
    /// </summary>
    public static FileNodeType Clear(SafeFileHandle directory, string name, bool keepDirectory)
    {
        var type = Syscalls.GetNodeTypeNoFollow(directory, name);
        switch (type)
        {
            case FileNodeType.Missing:
                return type;
            case FileNodeType.Directory when keepDirectory:
                return type;
            case FileNodeType.Directory:
                RemoveTree(directory, name);
                return FileNodeType.Missing;
            default:
                Syscalls.UnlinkAt(directory, name, isDirectory: false);
                return FileNodeType.Missing;
        }
    }

    private static void RemoveTree(SafeFileHandle parent, string name)
    {
        using (var directory = Syscalls.OpenDirectoryNoFollow(parent, name))
        {
            foreach (var child in Syscalls.ReadDirectoryNames(directory))
            {
                if (Syscalls.GetNodeTypeNoFollow(directory, child) == FileNodeType.Directory)
                {
                    RemoveTree(directory, child);
                }
                else
                {
                    Syscalls.UnlinkAt(directory, child, isDirectory: false);
                }
            }
        }

        Syscalls.UnlinkAt(parent, name, isDirectory: true);
    }
}
