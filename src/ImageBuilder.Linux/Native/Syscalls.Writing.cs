using System.Text;
using Microsoft.Win32.SafeHandles;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace ImageBuilder.Linux.Native;

/// <summary>What kind of object a name in a directory is (from <c>lstat</c>), or <see cref="Missing"/>.</summary>
public enum FileNodeType
{
    Missing,
    Directory,
    RegularFile,
    Symlink,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
}

/// <summary>
/// The calls that create, change and remove file system objects relative to a directory
/// descriptor. Every name handed to an <c>*At</c> call is one path component of a directory the
/// caller already holds open (names with a '/' are refused); only <see cref="OpenDirectoryInRoot"/>
/// walks a multi-component path, and it does so with openat2's RESOLVE_IN_ROOT.
/// </summary>
public static unsafe partial class Syscalls
{
    /// <summary>
    /// Opens (O_PATH) the directory that later <see cref="OpenDirectoryInRoot"/> calls resolve
    /// inside. Its path is the caller's own and trusted: symlinks in it are followed.
    /// </summary>
    public static SafeFileHandle OpenResolutionRoot(string path)
    {
        fixed (byte* p = WritingNames.Encode(path))
        {
            return WritingDescriptors.Own(open(p, O_PATH | O_DIRECTORY | O_CLOEXEC), nameof(open));
        }
    }

    /// <summary>
    /// Opens the directory at <paramref name="path"/> with openat2 and RESOLVE_IN_ROOT |
    /// RESOLVE_NO_MAGICLINKS: the path is resolved as if <paramref name="root"/> were "/" — "..",
    /// absolute symlinks and symlinked parents all stay inside it, and /proc magic links are
    /// refused. "" is the root itself. <paramref name="pathOnly"/> opens with O_PATH (enough to
    /// serve as the directory of *at calls); otherwise read-only, for fsetxattr and futimens.
    /// </summary>
    public static SafeFileHandle OpenDirectoryInRoot(SafeFileHandle root, string path, bool pathOnly) =>
        OpenBeneath(root, path, (pathOnly ? O_PATH : O_RDONLY) | O_DIRECTORY | O_CLOEXEC);

    /// <summary>Opens the directory <paramref name="name"/> for reading and metadata calls; a symlink there fails.</summary>
    public static SafeFileHandle OpenDirectoryNoFollow(SafeFileHandle directory, string name)
    {
        fixed (byte* p = WritingNames.Component(name))
        {
            return WritingDescriptors.Own(openat(WritingDescriptors.Of(directory), p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0), nameof(openat));
        }
    }

    /// <summary>Creates a new regular file (mode 0600) for writing; fails if the name exists in any form.</summary>
    public static SafeFileHandle CreateFileExclusive(SafeFileHandle directory, string name)
    {
        fixed (byte* p = WritingNames.Component(name))
        {
            return WritingDescriptors.Own(openat(WritingDescriptors.Of(directory), p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (ushort)0x180), nameof(openat));
        }
    }

    public static void MakeDirectoryAt(SafeFileHandle directory, string name, int mode)
    {
        fixed (byte* p = WritingNames.Component(name))
        {
            ThrowIfFailed(mkdirat(WritingDescriptors.Of(directory), p, (ushort)mode), nameof(mkdirat));
        }
    }

    /// <summary>mknodat for a char or block device (with its numbers) or a fifo.</summary>
    public static void MakeNodeAt(SafeFileHandle directory, string name, FileNodeType type, int mode, int major, int minor)
    {
        var format = type switch
        {
            FileNodeType.CharDevice => S_IFCHR,
            FileNodeType.BlockDevice => S_IFBLK,
            FileNodeType.Fifo => S_IFIFO,
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "only devices and fifos are made with mknod"),
        };
        fixed (byte* p = WritingNames.Component(name))
        {
            ThrowIfFailed(mknodat(WritingDescriptors.Of(directory), p, format | (ushort)mode, WritingValues.Device((uint)major, (uint)minor)), nameof(mknodat));
        }
    }

    public static void CreateSymlinkAt(string target, SafeFileHandle directory, string name)
    {
        fixed (byte* t = WritingNames.Encode(target))
        fixed (byte* p = WritingNames.Component(name))
        {
            ThrowIfFailed(symlinkat(t, WritingDescriptors.Of(directory), p), nameof(symlinkat));
        }
    }

    /// <summary>A new name for an existing object; a symlink as the target is linked itself, never followed.</summary>
    public static void CreateHardlinkAt(SafeFileHandle targetDirectory, string targetName, SafeFileHandle directory, string name)
    {
        fixed (byte* t = WritingNames.Component(targetName))
        fixed (byte* p = WritingNames.Component(name))
        {
            ThrowIfFailed(linkat(WritingDescriptors.Of(targetDirectory), t, WritingDescriptors.Of(directory), p, 0), nameof(linkat));
        }
    }

    /// <summary>unlinkat; <paramref name="isDirectory"/> selects AT_REMOVEDIR (the directory must be empty).</summary>
    public static void UnlinkAt(SafeFileHandle directory, string name, bool isDirectory)
    {
        fixed (byte* p = WritingNames.Component(name))
        {
            ThrowIfFailed(unlinkat(WritingDescriptors.Of(directory), p, isDirectory ? AT_REMOVEDIR : 0), nameof(unlinkat));
        }
    }

    public static void ChangeOwner(SafeFileHandle file, int uid, int gid) =>
        ThrowIfFailed(fchown(WritingDescriptors.Of(file), (uint)uid, (uint)gid), nameof(fchown));

    public static void ChangeOwnerNoFollow(SafeFileHandle directory, string name, int uid, int gid)
    {
        fixed (byte* p = WritingNames.Component(name))
        {
            ThrowIfFailed(fchownat(WritingDescriptors.Of(directory), p, (uint)uid, (uint)gid, AT_SYMLINK_NOFOLLOW), nameof(fchownat));
        }
    }

    public static void ChangeMode(SafeFileHandle file, int mode) =>
        ThrowIfFailed(fchmod(WritingDescriptors.Of(file), (ushort)mode), nameof(fchmod));

    /// <summary>fchmodat with AT_SYMLINK_NOFOLLOW (for devices and fifos, which cannot be opened for fchmod).</summary>
    public static void ChangeModeNoFollow(SafeFileHandle directory, string name, int mode)
    {
        fixed (byte* p = WritingNames.Component(name))
        {
            ThrowIfFailed(fchmodat(WritingDescriptors.Of(directory), p, (ushort)mode, AT_SYMLINK_NOFOLLOW), nameof(fchmodat));
        }
    }

    /// <summary>The type of <paramref name="name"/> without following a symlink there.</summary>
    public static FileNodeType GetNodeTypeNoFollow(SafeFileHandle directory, string name)
    {
        stat status;
        fixed (byte* p = WritingNames.Component(name))
        {
            if (fstatat(WritingDescriptors.Of(directory), p, &status, AT_SYMLINK_NOFOLLOW) == -1)
            {
                return errno == WritingValues.ENOENT ? FileNodeType.Missing : throw new LinuxException(nameof(fstatat), errno);
            }
        }

        var format = status.st_mode & S_IFMT;
        return format == S_IFDIR ? FileNodeType.Directory
            : format == S_IFREG ? FileNodeType.RegularFile
            : format == S_IFLNK ? FileNodeType.Symlink
            : format == S_IFCHR ? FileNodeType.CharDevice
            : format == S_IFBLK ? FileNodeType.BlockDevice
            : format == S_IFIFO ? FileNodeType.Fifo
            : FileNodeType.Socket;
    }

    /// <summary>
    /// A new file in memory (memfd_create) that a program this process executes inherits: no
    /// close-on-exec, unlike every other descriptor .NET and ibuild open.
    /// </summary>
    public static SafeFileHandle CreateInheritedMemoryFile(string name)
    {
        int fd;
        fixed (byte* n = WritingNames.Encode(name))
        {
            fd = ThrowIfFailed(memfd_create(n, 0), nameof(memfd_create));
        }

        if (fd > 2)
        {
            return WritingDescriptors.Own(fd, nameof(memfd_create));
        }

        // With standard input, output or error closed it would take one of their numbers, which
        // the program executed next reads as such: moved above them (F_DUPFD keeps no close-on-exec).
        var moved = fcntl(fd, F_DUPFD, 3);
        var error = errno;
        close(fd);
        return moved == -1 ? throw new LinuxException("fcntl F_DUPFD", error) : WritingDescriptors.Own(moved, "fcntl F_DUPFD");
    }

    /// <summary>Raw descriptors for Tmds.LibC calls; the SafeFileHandle stays the owner (callers hold it in a using).</summary>
    private static class WritingDescriptors
    {
        public static int Of(SafeFileHandle handle) => (int)handle.DangerousGetHandle();

        public static SafeFileHandle Own(int fd, string call) => new(ThrowIfFailed(fd, call), ownsHandle: true);
    }

    /// <summary>Numbers the writing calls need that Tmds.LibC does not name.</summary>
    private static class WritingValues
    {
        public const int ENOENT = 2;
        public const int EAGAIN = 11;
        public const int ENOSYS = 38;
        public const int SysSetxattrat = 463; // the same number on every architecture

        // glibc's makedev: the low 8 bits of the minor, 12 bits of the major, then the high parts.
        public static dev_t Device(uint major, uint minor) =>
            ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8)
            | ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);

        public static timespec Timespec(DateTimeOffset time)
        {
            var seconds = Math.DivRem(time.UtcTicks - DateTime.UnixEpoch.Ticks, TimeSpan.TicksPerSecond, out var ticks);
            if (ticks < 0)
            {
                seconds--;
                ticks += TimeSpan.TicksPerSecond;
            }

            return new timespec { tv_sec = seconds, tv_nsec = (long_t)(ticks * 100) };
        }
    }

    /// <summary>Names turned into C strings; a NUL inside would silently name something else, so it is refused.</summary>
    private static class WritingNames
    {
        public static byte[] Encode(string name)
        {
            if (name.Contains('\0'))
            {
                throw new ArgumentException($"a path may not hold a NUL byte: \"{name.Replace("\0", "\\0", StringComparison.Ordinal)}\"", nameof(name));
            }

            var bytes = new byte[Encoding.UTF8.GetByteCount(name) + 1];
            Encoding.UTF8.GetBytes(name, bytes);
            return bytes;
        }

        /// <summary>A single name inside a directory: the *At calls must not walk a path (only openat2 in the root does).</summary>
        public static byte[] Component(string name) =>
            name is "" or "." or ".." || name.Contains('/')
                ? throw new ArgumentException($"not a single path component: \"{name}\"", nameof(name))
                : Encode(name);
    }
}
