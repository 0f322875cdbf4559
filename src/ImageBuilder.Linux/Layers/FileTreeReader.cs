using ImageBuilder.Core.Layers;
using ImageBuilder.Linux.Native;
using ImageBuilder.Linux.Rootless;

namespace ImageBuilder.Linux.Layers;

/// <summary>
/// Reads a directory, or an overlayfs upper dir, for the layer packer, without ever following
/// a symlink: lstat for every object, readlink for link targets, llistxattr/lgetxattr for
/// extended attributes, getdents64 on directories opened with O_NOFOLLOW, and O_NOFOLLOW when
/// opening file content.
/// </summary>
/// <remarks>
/// Overlayfs' own attributes (<c>trusted.overlay.*</c>, and <c>user.overlay.*</c> of an overlay
/// mounted with <c>userxattr</c> in a user namespace, rootless) are never carried into entries;
/// they are read only to find whiteouts (a zero-size file with <c>overlay.whiteout</c>, the
/// form newer kernels may use beside the char device 0/0) and opaque directories
/// (<c>overlay.opaque</c> = "y"; the value "x" only says the directory holds xattr
/// whiteouts, and is not opaque). The host's <c>security.selinux</c> label is not carried either.
/// Sockets are skipped: a tar cannot hold them. Names must be
/// UTF-8, and paths are used whole, so a path is limited to PATH_MAX (4096 bytes).
/// Rootless ibuild that has not entered its user namespace yet reads a tree through a
/// <see cref="NamespaceView"/>: owners and file capabilities as the namespace sees them, and a
/// file it may not read sends the command into the namespace.
/// </remarks>
public sealed class FileTreeReader : IFileTreeReader
{
    private const string HostOnlySelinuxLabel = "security.selinux";

    private const string ReadingOutside = "reading a file the user may not read";

    /// <summary>How this process sees a tree as its user namespace does: null when it is in it (or root).</summary>
    private static NamespaceView? View() =>
        HostMode.Current is { Pending: true } mode ? new NamespaceView(mode.Users, mode.Groups) : null;

    /// <inheritdoc />
    public IEnumerable<FileTreeEntry> Enumerate(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var view = View();
        var status = Denied(() => Syscalls.LStat(root));
        if (status.FileType != FileStatus.TypeDirectory)
        {
            throw new IOException($"{root}: not a directory");
        }

        return view is null ? Walk(TrimRoot(root), null) : Outside(Walk(TrimRoot(root), view));
    }

    /// <inheritdoc />
    public Stream OpenRead(string root, FileTreeEntry entry)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Kind != FileTreeEntryKind.RegularFile)
        {
            throw new ArgumentException($"{entry.Path}: only a regular file has content (this is a {entry.Kind})", nameof(entry));
        }

        var handle = Denied(() => Syscalls.OpenReadNoFollow(TrimRoot(root) + "/" + entry.Path));
        return new FileStream(handle, FileAccess.Read, bufferSize: 0);
    }

    /// <summary>
    /// <paramref name="read"/>, where a refusal (EACCES, EPERM) of a process outside rootless
    /// ibuild's user namespace means the namespace is needed (its root may read what the user cannot).
    /// </summary>
    private static T Denied<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception error)
        {
            HostMode.Current.RequireUserNamespaceIfDenied(error, ReadingOutside);
            throw;
        }
    }

    // The walk of a process outside the namespace: a directory or attribute it may not read
    // sends the command into the namespace.
    private static IEnumerable<FileTreeEntry> Outside(IEnumerable<FileTreeEntry> entries)
    {
        using var walk = entries.GetEnumerator();
        while (Denied(walk.MoveNext))
        {
            yield return walk.Current;
        }
    }

    // Depth first with an explicit stack of directory listings, so a deep tree costs no
    // nested iterators; memory is the listings along the current path plus the hardlink map.
    private static IEnumerable<FileTreeEntry> Walk(string root, NamespaceView? view)
    {
        var firstNames = new Dictionary<(ulong Device, ulong Inode), string>();
        var stack = new Stack<DirectoryListing>();
        stack.Push(DirectoryListing.Read(root, relativeDirectory: "", view));
        while (stack.Count > 0)
        {
            var listing = stack.Peek();
            if (!listing.TryNext(out var child))
            {
                stack.Pop();
                continue;
            }

            var entry = child.Entry;
            if (entry.Kind == FileTreeEntryKind.RegularFile && child.Status.LinkCount > 1)
            {
                var key = (child.Status.Device, child.Status.Inode);
                if (firstNames.TryGetValue(key, out var first))
                {
                    entry = entry with { Kind = FileTreeEntryKind.Hardlink, LinkTarget = first, Size = 0 };
                }
                else
                {
                    firstNames.Add(key, entry.Path);
                }
            }

            yield return entry;
            if (entry.Kind == FileTreeEntryKind.Directory)
            {
                stack.Push(DirectoryListing.Read(root + "/" + entry.Path, entry.Path, view));
            }
        }
    }

    private static string TrimRoot(string root)
    {
        var trimmed = root.TrimEnd('/');
        return trimmed.Length == 0 && root.Length > 0 ? "" : trimmed;
    }

    /// <summary>One directory's children, described and in the contract's order.</summary>
    private sealed class DirectoryListing(List<DirectoryChild> children)
    {
        private int next;

        public static DirectoryListing Read(string directory, string relativeDirectory, NamespaceView? view)
        {
            var children = new List<DirectoryChild>();
            foreach (var name in Syscalls.ListDirectory(directory))
            {
                var child = DirectoryChild.Describe(directory, relativeDirectory, name, view);
                if (child is not null)
                {
                    children.Add(child);
                }
            }

            // Whiteouts first, then the rest; each group by the bytes of the UTF-8 name.
            children.Sort(static (a, b) =>
            {
                var aWhiteout = a.Entry.Kind == FileTreeEntryKind.Whiteout;
                var bWhiteout = b.Entry.Kind == FileTreeEntryKind.Whiteout;
                return aWhiteout != bWhiteout
                    ? (aWhiteout ? -1 : 1)
                    : a.Name.AsSpan().SequenceCompareTo(b.Name);
            });
            return new DirectoryListing(children);
        }

        public bool TryNext(out DirectoryChild child)
        {
            if (next < children.Count)
            {
                child = children[next];
                children[next++] = null!; // let the entry go once handed out
                return true;
            }

            child = null!;
            return false;
        }
    }

    private sealed record DirectoryChild(byte[] Name, FileTreeEntry Entry, FileStatus Status)
    {
        public static DirectoryChild? Describe(string directory, string relativeDirectory, DirectoryName directoryName, NamespaceView? view)
        {
            var name = directoryName.Name;
            var path = directory + "/" + name;
            var status = Syscalls.LStat(path);
            var entry = new FileTreeEntry
            {
                Path = relativeDirectory.Length == 0 ? name : relativeDirectory + "/" + name,
                Kind = FileTreeEntryKind.RegularFile,
                Mode = status.Permissions,
                Uid = view?.Uid(status.Uid) ?? (int)status.Uid,
                Gid = view?.Gid(status.Gid) ?? (int)status.Gid,
                ModificationTime = status.ModificationTime,
            };

            switch (status.FileType)
            {
                case FileStatus.TypeRegular:
                    var regular = ReadAttributes(path, view, out var whiteout, out _);
                    entry = whiteout && status.Size == 0
                        ? entry with { Kind = FileTreeEntryKind.Whiteout }
                        : entry with { Size = status.Size, ExtendedAttributes = regular };
                    break;
                case FileStatus.TypeDirectory:
                    var attributes = ReadAttributes(path, view, out _, out var opaque);
                    entry = entry with { Kind = FileTreeEntryKind.Directory, ExtendedAttributes = attributes, Opaque = opaque };
                    break;
                case FileStatus.TypeSymlink:
                    entry = entry with { Kind = FileTreeEntryKind.Symlink, LinkTarget = Syscalls.ReadLink(path), ExtendedAttributes = ReadAttributes(path, view, out _, out _) };
                    break;
                case FileStatus.TypeCharDevice when status.SpecialDevice == 0:
                    entry = entry with { Kind = FileTreeEntryKind.Whiteout };
                    break;
                case FileStatus.TypeCharDevice or FileStatus.TypeBlockDevice:
                    entry = entry with
                    {
                        Kind = status.FileType == FileStatus.TypeCharDevice ? FileTreeEntryKind.CharDevice : FileTreeEntryKind.BlockDevice,
                        DeviceMajor = status.DeviceMajor,
                        DeviceMinor = status.DeviceMinor,
                        ExtendedAttributes = ReadAttributes(path, view, out _, out _),
                    };
                    break;
                case FileStatus.TypeFifo:
                    entry = entry with { Kind = FileTreeEntryKind.Fifo, ExtendedAttributes = ReadAttributes(path, view, out _, out _) };
                    break;
                default:
                    return null; // a socket: tar has no type for it
            }

            return new DirectoryChild(directoryName.Utf8, entry, status);
        }

        // The attributes to carry, plus what overlayfs' own attributes say about the object.
        private static IReadOnlyDictionary<string, byte[]> ReadAttributes(string path, NamespaceView? view, out bool whiteout, out bool opaque)
        {
            whiteout = false;
            opaque = false;
            SortedDictionary<string, byte[]>? carried = null;
            foreach (var name in Syscalls.ListExtendedAttributes(path))
            {
                if (OverlayAttributes.IsOverlays(name))
                {
                    var what = name[(name.IndexOf('.') + 1)..];
                    whiteout |= what == "overlay.whiteout";
                    opaque |= what == "overlay.opaque" && Syscalls.GetExtendedAttribute(path, name) is [(byte)'y'];
                    continue;
                }

                if (name == HostOnlySelinuxLabel)
                {
                    // The build host's SELinux label says nothing about the image (containerd and
                    // BuildKit leave it out too), and it would make layers differ between hosts.
                    continue;
                }

                if (Syscalls.GetExtendedAttribute(path, name) is { } value)
                {
                    carried ??= new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
                    carried[name] = view?.Attribute(name, value) ?? value;
                }
            }

            return carried ?? NoAttributes;
        }

        private static readonly IReadOnlyDictionary<string, byte[]> NoAttributes = new Dictionary<string, byte[]>();
    }
}
