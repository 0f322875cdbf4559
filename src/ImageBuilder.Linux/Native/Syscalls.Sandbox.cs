using System.Runtime.InteropServices;
using System.Text;

using ImageBuilder.Linux.Sandbox;

namespace ImageBuilder.Linux.Native;

// Setting up a sandbox: namespaces, mounts, device nodes, the loopback interface. Tmds.LibC does
// not name most of these calls (mount, pivot_root, capset, prctl, ioctl), so they are imported
// from libc here, with the kernel's constants spelled out.
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
    internal static void Unshare(int flags) => ThrowIfFailed(SandboxImports.unshare(flags), "unshare");

    /// <summary>mount(2); null strings are passed as NULL.</summary>
    internal static void Mount(string? source, string target, string? fileSystemType, ulong flags, string? data)
    {
        fixed (byte* s = Utf8OrNull(source))
        fixed (byte* t = Utf8OrNull(target))
        fixed (byte* f = Utf8OrNull(fileSystemType))
        fixed (byte* d = Utf8OrNull(data))
        {
            ThrowIfFailed(SandboxImports.mount(s, t, f, flags, d), $"mount {fileSystemType ?? source} on {target}");
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
            ThrowIfFailed(SandboxImports.sethostname(p, (nuint)bytes.Length), "sethostname");
        }
    }

    /// <summary>mknod(2) of a character device with mode 0666 (the caller's umask applies).</summary>
    internal static void MakeCharDevice(string path, int major, int minor)
    {
        ulong ma = (uint)major, mi = (uint)minor;
        var device = (mi & 0xff) | ((ma & 0xfff) << 8) | ((mi & ~0xffUL) << 12) | ((ma & ~0xfffUL) << 32);
        fixed (byte* p = Utf8OrNull(path))
        {
            ThrowIfFailed(SandboxImports.mknod(p, 0x2000 | 0x1b6, device), $"mknod {path}");
        }
    }

    internal static void MakeSymlink(string target, string path)
    {
        fixed (byte* t = Utf8OrNull(target))
        fixed (byte* p = Utf8OrNull(path))
        {
            ThrowIfFailed(SandboxImports.symlink(t, p), $"symlink {path}");
        }
    }

    internal static void MakeDirectory(string path, int mode)
    {
        fixed (byte* p = Utf8OrNull(path))
        {
            ThrowIfFailed(SandboxImports.mkdir(p, (uint)mode), $"mkdir {path}");
        }
    }

    internal static int SetUmask(int mask) => (int)SandboxImports.umask((uint)mask);

    /// <summary>Opens a path read-only (close-on-exec) and returns the raw descriptor.</summary>
    internal static int OpenRaw(string path, bool directory)
    {
        const int ReadOnly = 0, Directory = 0x10000, CloseOnExec = 0x80000;
        fixed (byte* p = Utf8OrNull(path))
        {
            return ThrowIfFailed(SandboxImports.open(p, ReadOnly | CloseOnExec | (directory ? Directory : 0), 0), $"open {path}");
        }
    }

    /// <summary>Puts the null device at <paramref name="path"/> (opened before the root changes) on standard input.</summary>
    private static void NullStandardInput(string path)
    {
        const int ReadWrite = 2;
        fixed (byte* p = Utf8OrNull(path))
        {
            var fd = ThrowIfFailed(SandboxImports.open(p, ReadWrite, 0), $"open {path}");
            ThrowIfFailed(SandboxImports.dup2(fd, 0), "dup2");
            SandboxImports.close(fd);
        }
    }

    /// <summary>Sets IFF_UP on "lo" in the calling thread's network namespace (SIOCGIFFLAGS, SIOCSIFFLAGS).</summary>
    internal static void BringLoopbackUp()
    {
        const int AfInet = 2, SockDgram = 2, SockCloexec = 0x80000;
        const ulong GetFlags = 0x8913, SetFlags = 0x8914;
        var fd = ThrowIfFailed(SandboxImports.socket(AfInet, SockDgram | SockCloexec, 0), "socket");
        try
        {
            // struct ifreq: 16 bytes of name, then a union whose first member is short ifr_flags.
            var request = stackalloc byte[40];
            new Span<byte>(request, 40).Clear();
            "lo"u8.CopyTo(new Span<byte>(request, 16));
            ThrowIfFailed(SandboxImports.ioctl(fd, GetFlags, request), "ioctl SIOCGIFFLAGS lo");
            *(short*)(request + 16) |= 0x1 | 0x40; // IFF_UP | IFF_RUNNING
            ThrowIfFailed(SandboxImports.ioctl(fd, SetFlags, request), "ioctl SIOCSIFFLAGS lo");
        }
        finally
        {
            SandboxImports.close(fd);
        }
    }

    /// <summary>
    /// Reads a whole file at <paramref name="path"/> resolved inside <paramref name="root"/>
    /// (openat2 RESOLVE_IN_ROOT: symlinks and ".." stay inside); null when it does not exist.
    /// </summary>
    internal static byte[]? ReadFileInRoot(Microsoft.Win32.SafeHandles.SafeFileHandle root, string path)
    {
        var how = new Tmds.Linux.open_how
        {
            // O_NONBLOCK: an image's "file" may be a FIFO, which must not hang ibuild.
            flags = (ulong)(Tmds.Linux.LibC.O_RDONLY | Tmds.Linux.LibC.O_CLOEXEC | Tmds.Linux.LibC.O_NONBLOCK),
            resolve = Tmds.Linux.LibC.RESOLVE_IN_ROOT | Tmds.Linux.LibC.RESOLVE_NO_MAGICLINKS,
        };
        int fd;
        fixed (byte* p = Utf8OrNull(path.TrimStart('/')))
        {
            fd = Tmds.Linux.LibC.openat2((int)root.DangerousGetHandle(), p, &how, (Tmds.Linux.size_t)sizeof(Tmds.Linux.open_how));
        }

        if (fd == -1)
        {
            var error = Tmds.Linux.LibC.errno;
            return error is 2 or 20 ? null : throw new LinuxException($"openat2 {path}", error);
        }

        using var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
        Tmds.Linux.stat status;
        if (Tmds.Linux.LibC.fstat(fd, &status) == -1)
        {
            throw new LinuxException($"fstat {path}", Tmds.Linux.LibC.errno);
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
        ThrowIfFailed(SandboxImports.setsid(), nameof(SandboxImports.setsid));
        ThrowIfFailed(SandboxImports.prctl(1, 9, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)");
    }

    private static partial class SandboxImports
    {
        [LibraryImport("libc", SetLastError = true)]
        public static partial int setsid();

        [LibraryImport("libc", SetLastError = true)]
        public static partial int prctl(int option, ulong a, ulong b, ulong c, ulong d);

        [LibraryImport("libc", SetLastError = true)]
        public static partial int unshare(int flags);

        [LibraryImport("libc", SetLastError = true)]
        public static partial int mount(byte* source, byte* target, byte* fileSystemType, ulong flags, byte* data);

        [LibraryImport("libc", SetLastError = true)]
        public static partial int sethostname(byte* name, nuint length);

        [LibraryImport("libc", SetLastError = true)]
        public static partial int mknod(byte* path, uint mode, ulong device);

        [LibraryImport("libc", SetLastError = true)]
        public static partial int symlink(byte* target, byte* path);

        [LibraryImport("libc", SetLastError = true)]
        public static partial int mkdir(byte* path, uint mode);

        [LibraryImport("libc")]
        public static partial uint umask(uint mask);

        [LibraryImport("libc", SetLastError = true)]
        public static partial int open(byte* path, int flags, uint mode);

        [LibraryImport("libc", SetLastError = true)]
        public static partial int dup2(int from, int to);

        [LibraryImport("libc", SetLastError = true)]
        public static partial int close(int fd);

        [LibraryImport("libc", SetLastError = true)]
        public static partial int socket(int domain, int type, int protocol);

        [LibraryImport("libc", SetLastError = true)]
        public static partial int ioctl(int fd, ulong request, void* argument);
    }
}
