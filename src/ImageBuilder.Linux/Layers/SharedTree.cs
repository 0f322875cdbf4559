using ImageBuilder.Core.Layers;
using ImageBuilder.Linux.Native;
using Microsoft.Win32.SafeHandles;

namespace ImageBuilder.Linux.Layers;

/// <summary>
/// A directory tree that shares another tree's files instead of copying them (an incremental COPY
/// starts from its previous snapshot this way). Directories are made anew, with the original's
/// owner, mode, extended attributes and time; every other entry (file, symlink, device, fifo,
/// whiteout) becomes a hard link to the original's inode, so no data is written. Nothing here ever
/// opens a shared inode for writing or changes its metadata: whoever writes the new tree replaces
/// a name (the writer clears it and creates a new inode), and overlayfs copies a lower file up
/// before changing it. Every path is walked by descriptor, never following a symlink.
/// </summary>
public static class SharedTree
{
    private const int CreationDirectoryMode = 0x1c0; // 0700 until the original's mode is applied
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;
    private const int ELOOP = 40;

    /// <summary>Fills the empty directory <paramref name="to"/> with <paramref name="from"/>'s tree; returns how many entries were linked.</summary>
    public static long Clone(string from, string to)
    {
        ArgumentException.ThrowIfNullOrEmpty(from);
        ArgumentException.ThrowIfNullOrEmpty(to);
        using var source = OpenRoot(from);
        using var target = OpenRoot(to);
        var linked = CloneChildren(source, target);
        CopyDirectoryMetadata(source, target);
        return linked;
    }

    /// <summary>
    /// Removes the entry at <paramref name="path"/> (relative to <paramref name="root"/>; a
    /// directory only when empty, unless <paramref name="recursive"/>) and gives its parent back
    /// the modification time it had. False when nothing is there, or a directory on the way is not
    /// one (a symlink is never followed).
    /// </summary>
    /// <exception cref="LinuxException">The entry cannot be removed (ENOTEMPTY: a directory that still holds something).</exception>
    public static bool Remove(string root, string path, bool recursive)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var parts = path.Split('/');
        using var top = OpenRoot(root);
        var parent = top;
        try
        {
            foreach (var part in parts[..^1])
            {
                var next = Syscalls.OpenDirectoryNoFollow(parent, part);
                if (parent != top)
                {
                    parent.Dispose();
                }

                parent = next;
            }

            var type = Syscalls.GetNodeTypeNoFollow(parent, parts[^1]);
            if (type == FileNodeType.Missing)
            {
                return false;
            }

            var time = Syscalls.FStat(parent).ModificationTime;
            if (type != FileNodeType.Directory || !recursive)
            {
                Syscalls.UnlinkAt(parent, parts[^1], isDirectory: type == FileNodeType.Directory);
            }
            else
            {
                ExistingNodeRemoval.Clear(parent, parts[^1], keepDirectory: false);
            }

            Syscalls.SetTimes(parent, time);
            return true;
        }
        catch (LinuxException error) when (error.Errno is ENOENT or ENOTDIR or ELOOP)
        {
            return false;
        }
        finally
        {
            if (parent != top)
            {
                parent.Dispose();
            }
        }
    }

    private static SafeFileHandle OpenRoot(string path)
    {
        using var pathOnly = Syscalls.OpenResolutionRoot(path);
        return Syscalls.OpenDirectoryInRoot(pathOnly, "", pathOnly: false);
    }

    private static long CloneChildren(SafeFileHandle source, SafeFileHandle target)
    {
        long linked = 0;
        foreach (var name in Syscalls.ReadDirectoryNames(source))
        {
            if (Syscalls.GetNodeTypeNoFollow(source, name) != FileNodeType.Directory)
            {
                Syscalls.CreateHardlinkAt(source, name, target, name);
                linked++;
                continue;
            }

            Syscalls.MakeDirectoryAt(target, name, CreationDirectoryMode);
            using var from = Syscalls.OpenDirectoryNoFollow(source, name);
            using var to = Syscalls.OpenDirectoryNoFollow(target, name);
            linked += CloneChildren(from, to);
            CopyDirectoryMetadata(from, to); // last: making the children changed its time
        }

        return linked;
    }

    // As FileTreeWriter orders it: owner, mode, attributes, time. Of overlayfs' own attributes only
    // the opaque mark means something in another upper dir (origin and impure name the old one's inodes).
    private static void CopyDirectoryMetadata(SafeFileHandle from, SafeFileHandle to)
    {
        var status = Syscalls.FStat(from);
        Syscalls.ChangeOwner(to, (int)status.Uid, (int)status.Gid);
        Syscalls.ChangeMode(to, status.Permissions);
        foreach (var (name, value) in Syscalls.ReadExtendedAttributes(from, n => !OverlayAttributes.IsOverlays(n) || n.EndsWith(".overlay.opaque", StringComparison.Ordinal)))
        {
            Syscalls.SetExtendedAttribute(to, name, value);
        }

        Syscalls.SetTimes(to, status.ModificationTime);
    }
}
