using System.Text;

using ImageBuilder.Linux.Sandbox;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace ImageBuilder.Linux.Native;

// Setting up a sandbox: namespaces, mounts, /dev, the loopback interface, through Tmds.LibC
// (prctl, which it lacks, from LibCGaps), with the kernel's constants spelled out.
public static unsafe partial class Syscalls
{
    public const int CloneNewNs = 0x00020000;
    public const int CloneNewCgroup = 0x02000000;
    public const int CloneNewUts = 0x04000000;
    public const int CloneNewIpc = 0x08000000;
    public const int CloneNewPid = 0x20000000;
    public const int CloneNewNet = 0x40000000;

    public const ulong MountReadOnly = 0x1;
    public const ulong MountNoSuid = 0x2;
    public const ulong MountNoDev = 0x4;
    public const ulong MountNoExec = 0x8;
    public const ulong MountRemount = 0x20;
    public const ulong MountBind = 0x1000;
    public const ulong MountRecursive = 0x4000;
    public const ulong MountPrivate = 0x40000;
    public const ulong MountSlave = 0x80000;
    public const ulong MountStrictAtime = 0x1000000;

    /// <summary>unshare(2) for the calling thread.</summary>
    internal static void Unshare(int flags) => ThrowIfFailed(unshare(flags), "unshare");

    /// <summary>umount2(2) with MNT_DETACH: the mount leaves the calling thread's namespace at once.</summary>
    internal static void DetachMount(string target)
    {
        fixed (byte* t = Utf8OrNull(target))
        {
            ThrowIfFailed(umount2(t, 2), $"umount {target}");
        }
    }

    /// <summary>mount(2); null strings are passed as NULL.</summary>
    internal static void Mount(string? source, string target, string? fileSystemType, ulong flags, string? data)
    {
        fixed (byte* s = Utf8OrNull(source))
        fixed (byte* t = Utf8OrNull(target))
        fixed (byte* f = Utf8OrNull(fileSystemType))
        fixed (byte* d = Utf8OrNull(data))
        {
            ThrowIfFailed(mount(s, t, f, (ulong_t)flags, d), $"mount {fileSystemType ?? source} on {target}");
        }
    }

    /// <summary>Turns <paramref name="path"/> into a read-only bind of itself (runc's readonly paths).</summary>
    internal static void BindReadOnly(string path)
    {
        Mount(path, path, null, MountBind | MountRecursive, null);
        SetMountAttributesRecursively(path, MountAttrReadOnly | MountAttrNoSuid | MountAttrNoDev | MountAttrNoExec);
    }

    internal static void SetHostName(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        fixed (byte* p = bytes)
        {
            ThrowIfFailed(sethostname(p, bytes.Length), "sethostname");
        }
    }

    internal static void MakeSymlink(string target, string path)
    {
        fixed (byte* t = Utf8OrNull(target))
        fixed (byte* p = Utf8OrNull(path))
        {
            ThrowIfFailed(symlink(t, p), $"symlink {path}");
        }
    }

    internal static void MakeDirectory(string path, int mode)
    {
        fixed (byte* p = Utf8OrNull(path))
        {
            ThrowIfFailed(mkdir(p, (ushort)mode), $"mkdir {path}");
        }
    }

    internal static void SetUmask(int mask) => umask((ushort)mask);

    /// <summary>Opens a path read-only (close-on-exec) and returns the raw descriptor.</summary>
    internal static int OpenRaw(string path, bool directory)
    {
        fixed (byte* p = Utf8OrNull(path))
        {
            return ThrowIfFailed(open(p, O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0), 0), $"open {path}");
        }
    }

    /// <summary>Puts the null device at <paramref name="path"/> (opened before the root changes) on standard input.</summary>
    private static void NullStandardInput(string path)
    {
        fixed (byte* p = Utf8OrNull(path))
        {
            var fd = ThrowIfFailed(open(p, O_RDWR, 0), $"open {path}");
            ThrowIfFailed(dup2(fd, 0), "dup2");
            close(fd);
        }
    }

    /// <summary>Sets IFF_UP on "lo" in the calling thread's network namespace (SIOCGIFFLAGS, SIOCSIFFLAGS).</summary>
    internal static void BringLoopbackUp()
    {
        var fd = ThrowIfFailed(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket");
        try
        {
            // struct ifreq: 16 bytes of name, then a union whose first member is short ifr_flags.
            var request = stackalloc byte[40];
            new Span<byte>(request, 40).Clear();
            "lo"u8.CopyTo(new Span<byte>(request, 16));
            ThrowIfFailed(ioctl(fd, SIOCGIFFLAGS, request), "ioctl SIOCGIFFLAGS lo");
            *(short*)(request + 16) |= 0x1 | 0x40; // IFF_UP | IFF_RUNNING
            ThrowIfFailed(ioctl(fd, SIOCSIFFLAGS, request), "ioctl SIOCSIFFLAGS lo");
        }
        finally
        {
            close(fd);
        }
    }

    /// <summary>
    /// Reads a whole file at <paramref name="path"/> resolved inside <paramref name="root"/>
    /// (openat2 RESOLVE_IN_ROOT: symlinks and ".." stay inside); null when it does not exist.
    /// </summary>
    internal static byte[]? ReadFileInRoot(Microsoft.Win32.SafeHandles.SafeFileHandle root, string path)
    {
        var how = new open_how
        {
            // O_NONBLOCK: an image's "file" may be a FIFO, which must not hang ibuild.
            flags = (ulong)(O_RDONLY | O_CLOEXEC | O_NONBLOCK),
            resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        int fd;
        fixed (byte* p = Utf8OrNull(path.TrimStart('/')))
        {
            fd = openat2((int)root.DangerousGetHandle(), p, &how, (size_t)sizeof(open_how));
        }

        if (fd == -1)
        {
            var error = errno;
            return error is 2 or 20 ? null : throw new LinuxException($"openat2 {path}", error);
        }

        using var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
        stat status;
        if (fstat(fd, &status) == -1)
        {
            throw new LinuxException($"fstat {path}", errno);
        }

        // Only a plain file of sane size is read: a device node (/dev/zero, a disk) or a pipe
        // in an image could otherwise make ibuild read forever or read the host's devices.
        const uint TypeMask = 0xF000, RegularFile = 0x8000;
        const long MostBytes = 16 << 20;
        if (((uint)status.st_mode & TypeMask) != RegularFile || (long)status.st_size > MostBytes)
        {
            throw new SandboxException($"the image's {path} is not a regular file of at most 16 MiB");
        }

        using var stream = new FileStream(handle, FileAccess.Read, 1);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    internal static byte[]? Utf8OrNull(string? value) => value is null ? null : Encoding.UTF8.GetBytes(value + "\0");

    /// <summary>setsid(), then prctl(PR_SET_PDEATHSIG, SIGKILL).</summary>
    internal static void StartSessionAndDieWithParent()
    {
        ThrowIfFailed(setsid(), nameof(setsid));
        ThrowIfFailed(LibCGaps.prctl(PrSetPdeathsig, (ulong)SIGKILL, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)");
    }

}
