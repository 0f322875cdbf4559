using System.Buffers;
using ImageBuilder.Core.Layers;
using ImageBuilder.Linux.Native;
using ImageBuilder.Linux.Rootless;
using Microsoft.Win32.SafeHandles;

namespace ImageBuilder.Linux.Layers;

// One method per kind of entry. Each first clears the name (ExistingNodeRemoval) unless an
// existing directory may stay, then creates the object relative to the parent descriptor.
public sealed partial class FileTreeWriter
{
    private const int CreationDirectoryMode = 0x1c0; // 0700 until the entry's own mode is applied

    private static void WriteDirectory(SafeFileHandle parent, string name, FileTreeEntry entry)
    {
        if (ExistingNodeRemoval.Clear(parent, name, keepDirectory: true) == FileNodeType.Missing)
        {
            Syscalls.MakeDirectoryAt(parent, name, CreationDirectoryMode);
        }

        using var directory = Syscalls.OpenDirectoryNoFollow(parent, name);
        ApplyToOpen(directory, entry);
    }

    private static void WriteFile(SafeFileHandle parent, string name, FileTreeEntry entry, Stream content)
    {
        ExistingNodeRemoval.Clear(parent, name, keepDirectory: false);
        using var file = Syscalls.CreateFileExclusive(parent, name);
        var buffer = ArrayPool<byte>.Shared.Rent(128 * 1024);
        try
        {
            long written = 0;
            while (written < entry.Size)
            {
                var count = content.Read(buffer, 0, (int)Math.Min(buffer.Length, entry.Size - written));
                if (count == 0)
                {
                    throw new EndOfStreamException($"the content ended after {written} of {entry.Size} bytes");
                }

                RandomAccess.Write(file, buffer.AsSpan(0, count), written);
                written += count;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        ApplyToOpen(file, entry);
    }

    private static void WriteSymlink(SafeFileHandle parent, string name, FileTreeEntry entry)
    {
        var target = entry.LinkTarget;
        if (string.IsNullOrEmpty(target))
        {
            throw new ArgumentException("a symlink needs a target", nameof(entry));
        }

        ExistingNodeRemoval.Clear(parent, name, keepDirectory: false);
        Syscalls.CreateSymlinkAt(target, parent, name);
        ApplyByName(parent, name, entry, isSymlink: true);
    }

    // The target is resolved inside the root like any other path; its last component is linked
    // as it is (linkat without AT_SYMLINK_FOLLOW), so a symlink there is never followed out.
    private static void WriteHardlink(RootResolver resolver, SafeFileHandle parent, string name, FileTreeEntry entry)
    {
        var target = entry.LinkTarget;
        if (string.IsNullOrEmpty(target))
        {
            throw new ArgumentException("a hardlink needs a target", nameof(entry));
        }

        var (targetParent, targetName) = resolver.OpenParent(target, createMissing: false);
        using (targetParent)
        {
            ExistingNodeRemoval.Clear(parent, name, keepDirectory: false);
            Syscalls.CreateHardlinkAt(targetParent, targetName, parent, name);
        }
    }

    // Devices, fifos and whiteouts. An overlayfs whiteout is a char device 0/0 with no permission bits.
    private static void WriteNode(SafeFileHandle parent, string name, FileTreeEntry entry)
    {
        var isWhiteout = entry.Kind == FileTreeEntryKind.Whiteout;
        var node = isWhiteout ? entry with { Mode = 0, DeviceMajor = 0, DeviceMinor = 0 } : entry;
        var type = entry.Kind switch
        {
            FileTreeEntryKind.BlockDevice => FileNodeType.BlockDevice,
            FileTreeEntryKind.Fifo => FileNodeType.Fifo,
            _ => FileNodeType.CharDevice,
        };

        ExistingNodeRemoval.Clear(parent, name, keepDirectory: false);
        try
        {
            Syscalls.MakeNodeAt(parent, name, type, 0, node.DeviceMajor, node.DeviceMinor);
        }
        catch (LinuxException error) when (error.Errno == Errno.EPERM && type != FileNodeType.Fifo && !isWhiteout && HostMode.Current.InUserNamespace)
        {
            // A user namespace cannot create device nodes. As Podman (containers/storage) does,
            // the node is left out of the snapshot; the layer's blob keeps it, and the user is told.
            SkippedDeviceNodes.Add(entry.Path);
            return;
        }

        ApplyByName(parent, name, node, isSymlink: false);
    }
}
