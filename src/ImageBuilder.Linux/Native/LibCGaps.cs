using System.Runtime.InteropServices;

namespace ImageBuilder.Linux.Native;

/// <summary>
/// The libc calls ibuild makes that Tmds.LibC 0.5 does not export; every other call goes through
/// <c>Tmds.Linux.LibC</c>. Each one sets errno like Tmds.LibC's (read it with <c>LibC.errno</c>).
/// </summary>
internal static unsafe partial class LibCGaps
{
    // Tmds.LibC 0.5 has no prctl (PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_SECCOMP).
    [LibraryImport("libc", SetLastError = true)]
    public static partial int prctl(int option, ulong a, ulong b, ulong c, ulong d);

    // Tmds.LibC 0.5 has no fstatfs (nor struct statfs, whose first field is f_type, a C long).
    [LibraryImport("libc", SetLastError = true)]
    public static partial int fstatfs(int fd, byte* buffer);

    // Tmds.LibC 0.5 has no capset (nor struct __user_cap_header/data).
    [LibraryImport("libc", SetLastError = true)]
    public static partial int capset(uint* header, uint* data);

    // Tmds.LibC 0.5 has no getrlimit (nor struct rlimit).
    [LibraryImport("libc", SetLastError = true)]
    public static partial int getrlimit(int resource, ulong* limit);

    // Tmds.LibC 0.5 has no setrlimit.
    [LibraryImport("libc", SetLastError = true)]
    public static partial int setrlimit(int resource, ulong* limit);

    // Tmds.LibC 0.5 has no xattr calls: fsetxattr.
    [LibraryImport("libc", SetLastError = true)]
    public static partial int fsetxattr(int fd, byte* name, byte* value, nuint size, int flags);

    // Tmds.LibC 0.5 has no xattr calls: lsetxattr.
    [LibraryImport("libc", SetLastError = true)]
    public static partial int lsetxattr(byte* path, byte* name, byte* value, nuint size, int flags);

    // Tmds.LibC 0.5 has no xattr calls: flistxattr.
    [LibraryImport("libc", SetLastError = true)]
    public static partial nint flistxattr(int fd, byte* list, nuint size);

    // Tmds.LibC 0.5 has no xattr calls: fgetxattr.
    [LibraryImport("libc", SetLastError = true)]
    public static partial nint fgetxattr(int fd, byte* name, byte* value, nuint size);

    // Tmds.LibC 0.5 has no getdents64 (glibc exports it since 2.30).
    [LibraryImport("libc", SetLastError = true)]
    public static partial nint getdents64(int fd, byte* buffer, nuint count);
}
