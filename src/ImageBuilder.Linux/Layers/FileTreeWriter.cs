using ImageBuilder.Core.Layers;
using ImageBuilder.Linux.Native;
using ImageBuilder.Linux.Rootless;
using Microsoft.Win32.SafeHandles;

namespace ImageBuilder.Linux.Layers;

/// <summary>
/// Writes file tree entries into a snapshot directory. Every path goes through
/// <see cref="RootResolver"/> (openat2 with RESOLVE_IN_ROOT) to the entry's parent directory;
/// the entry itself is then made, changed or removed by name relative to that descriptor with
/// calls that never follow a symlink in the last component (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW,
/// O_EXCL creation after clearing the name). Nothing can be written outside the root.
/// </summary>
/// <remarks>
/// Metadata goes on in this order: owner, then mode (chown clears setuid/setgid), then extended
/// attributes (chown also drops <c>security.capability</c>), then times. A hardlink only adds a
/// name: the inode's owner, mode, xattrs and time are those of the entry it links to, and setting
/// them again would strip a capability the first name carries.
/// </remarks>
public sealed partial class FileTreeWriter : IFileTreeWriter
{
    /// <summary>overlayfs' opaque mark: <c>trusted.overlay.opaque</c>, or <c>user.overlay.opaque</c> in a user namespace (the overlay is mounted with userxattr there).</summary>
    private static string OpaqueAttribute => HostMode.Current.OverlayAttributePrefix + "opaque";
    private const int ImplicitDirectoryMode = 0x1ed; // 0755

    /// <summary>Owners other than the user, and overlay marks, exist only inside rootless ibuild's user namespace.</summary>
    private static void RequireUserNamespace() => HostMode.Current.RequireUserNamespace("writing a file tree with its owners");

    public void Write(string root, FileTreeEntry entry, Stream? content)
    {
        ArgumentNullException.ThrowIfNull(entry);
        RequireUserNamespace();
        if (entry.ExtendedAttributes.Keys.FirstOrDefault(OverlayAttributes.IsOverlays) is { } overlay)
        {
            throw new ArgumentException($"entries never carry overlayfs' own attributes ({overlay})", nameof(entry));
        }

        using var resolver = RootResolver.Open(root);
        if (entry.Path.Length == 0)
        {
            if (entry.Kind != FileTreeEntryKind.Directory)
            {
                throw new ArgumentException("only a directory entry may describe the root", nameof(entry));
            }

            using var rootDirectory = resolver.OpenRoot();
            ApplyToOpen(rootDirectory, entry);
            return;
        }

        var (parent, name) = resolver.OpenParent(entry.Path, createMissing: true);
        using (parent)
        {
            switch (entry.Kind)
            {
                case FileTreeEntryKind.Directory:
                    WriteDirectory(parent, name, entry);
                    break;
                case FileTreeEntryKind.RegularFile:
                    WriteFile(parent, name, entry, content ?? throw new ArgumentNullException(nameof(content), "a regular file needs content"));
                    break;
                case FileTreeEntryKind.Symlink:
                    WriteSymlink(parent, name, entry);
                    break;
                case FileTreeEntryKind.Hardlink:
                    WriteHardlink(resolver, parent, name, entry);
                    break;
                case FileTreeEntryKind.CharDevice or FileTreeEntryKind.BlockDevice or FileTreeEntryKind.Fifo or FileTreeEntryKind.Whiteout:
                    WriteNode(parent, name, entry);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(entry), entry.Kind, "unknown entry kind");
            }
        }
    }

    public void MarkOpaque(string root, string path)
    {
        RequireUserNamespace();
        using var resolver = RootResolver.Open(root);
        if (path.Length == 0)
        {
            using var rootDirectory = resolver.OpenRoot();
            Syscalls.SetExtendedAttribute(rootDirectory, OpaqueAttribute, "y"u8);
            return;
        }

        var (parent, name) = resolver.OpenParent(path, createMissing: true);
        using (parent)
        {
            if (Syscalls.GetNodeTypeNoFollow(parent, name) == FileNodeType.Missing)
            {
                Syscalls.MakeDirectoryAt(parent, name, ImplicitDirectoryMode);
                Syscalls.ChangeModeNoFollow(parent, name, ImplicitDirectoryMode);
            }

            // O_NOFOLLOW: if the name is a symlink here, the layer is inconsistent; fail rather than mark its target.
            using var directory = Syscalls.OpenDirectoryNoFollow(parent, name);
            Syscalls.SetExtendedAttribute(directory, OpaqueAttribute, "y"u8);
        }
    }

    /// <summary>Every file and directory under <paramref name="root"/> fsynced (<see cref="DurableTree"/>): what ibuild wrote, not the whole file system.</summary>
    public void Flush(string root)
    {
        RequireUserNamespace();
        DurableTree.Sync(root);
    }

    public void SetDirectoryTime(string root, string path, DateTimeOffset time)
    {
        RequireUserNamespace();
        using var resolver = RootResolver.Open(root);
        if (path.Length == 0)
        {
            using var rootDirectory = resolver.OpenRoot();
            Syscalls.SetTimes(rootDirectory, time);
            return;
        }

        var (parent, name) = resolver.OpenParent(path, createMissing: false);
        using (parent)
        {
            Syscalls.SetTimesNoFollow(parent, name, time);
        }
    }

    /// <summary>Owner, mode, xattrs and time of an object the writer holds open (file or directory).</summary>
    private static void ApplyToOpen(SafeFileHandle file, FileTreeEntry entry)
    {
        ChangeOwner(entry, () => Syscalls.ChangeOwner(file, entry.Uid, entry.Gid));
        Syscalls.ChangeMode(file, entry.Mode & 0xfff);
        foreach (var (name, value) in entry.ExtendedAttributes)
        {
            TolerateUnsupported(name, fileOrDirectory: true, () => Syscalls.SetExtendedAttribute(file, name, value));
        }

        Syscalls.SetTimes(file, entry.ModificationTime);
    }

    /// <summary>The same for a symlink, device or fifo, addressed by name without following it.</summary>
    private static void ApplyByName(SafeFileHandle parent, string name, FileTreeEntry entry, bool isSymlink)
    {
        ChangeOwner(entry, () => Syscalls.ChangeOwnerNoFollow(parent, name, entry.Uid, entry.Gid));
        if (!isSymlink)
        {
            Syscalls.ChangeModeNoFollow(parent, name, entry.Mode & 0xfff);
        }

        foreach (var (attribute, value) in entry.ExtendedAttributes)
        {
            TolerateUnsupported(attribute, fileOrDirectory: false, () => Syscalls.SetExtendedAttributeNoFollow(parent, name, attribute, value));
        }

        Syscalls.SetTimesNoFollow(parent, name, entry.ModificationTime);
    }

    /// <summary>
    /// chown, saying what is wrong when rootless ibuild runs without subordinate ids, or with a
    /// range too small for the layer's ids: the kernel refuses an id the user namespace does not
    /// map with a bare EINVAL.
    /// </summary>
    private static void ChangeOwner(FileTreeEntry entry, Action chown)
    {
        try
        {
            chown();
        }
        catch (LinuxException error) when (error.Errno == Errno.EINVAL && HostMode.Current.InUserNamespace)
        {
            throw new RootlessException(HostMode.Current.Unmapped($"/{entry.Path} belongs to", entry.Uid, entry.Gid));
        }
    }

    // As containerd does: a file system without xattr support (EOPNOTSUPP) skips them, and the
    // kernel allows user.* attributes only on regular files and directories (EPERM elsewhere).
    private static void TolerateUnsupported(string name, bool fileOrDirectory, Action set)
    {
        try
        {
            set();
        }
        catch (LinuxException error) when (error.Errno == Errno.EOPNOTSUPP
            || (error.Errno == Errno.EPERM && !fileOrDirectory && name.StartsWith("user.", StringComparison.Ordinal)))
        {
        }
    }
}
