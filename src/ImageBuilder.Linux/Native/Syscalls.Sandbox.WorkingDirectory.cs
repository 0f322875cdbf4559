using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ImageBuilder.Linux.Native;

// The init's way into the working directory, after pivot_root (see PivotAndExec): only the
// request pipe survives, and the directory is resolved inside the new root, never through a
// /proc magic link (the CVE-2024-21626 class).
public static unsafe partial class Syscalls
{
    private const long SysOpenat2 = 437; // the same number on every architecture
    private const ulong ResolveNoMagicLinks = 0x02;
    private const ulong ResolveInRoot = 0x10;

    /// <summary>close_range(2) of every descriptor from 3 up except <paramref name="keep"/> (at least 3).</summary>
    private static bool CloseAllBut(int keep) =>
        (keep <= 3 || ExecImports.syscall(SysCloseRange, 3, keep - 1, 0) != -1)
        && ExecImports.syscall(SysCloseRange, keep + 1, uint.MaxValue, 0) != -1;

    /// <summary>
    /// Makes the working directory's missing components (mode 0755) and enters it, resolving
    /// every prefix with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) from the new root: a
    /// symlink or ".." stays inside, and a /proc magic link (/proc/self/fd/N, /proc/self/cwd,
    /// /proc/1/root) is refused with ELOOP instead of being followed out of the container. Each
    /// missing component is made in the directory the previous prefix resolved to. getcwd then
    /// confirms the result is reachable from the root (it is "(unreachable)…" or an error when not).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static bool EnterWorkingDirectory(PreparedExec x)
    {
        var slash = stackalloc byte[2];
        slash[0] = (byte)'/';
        slash[1] = 0;
        var how = stackalloc ulong[3]; // struct open_how { flags, mode, resolve }
        how[0] = (ulong)x.OpenDirectoryFlags;
        how[1] = 0;
        how[2] = ResolveInRoot | ResolveNoMagicLinks;
        var root = (int)ExecImports.syscall4(SysOpenat2, AtFdCwd, (long)slash, (long)how, 24);
        var current = root;
        for (var i = 0; i < x.WorkingDirectoryPrefixes.Length && current != -1; i++)
        {
            if (ExecImports.mkdirat(current, (byte*)x.WorkingDirectoryNames[i], 0x1ed) == -1 && Marshal.GetLastPInvokeError() != Eexist)
            {
                return false;
            }

            var next = (int)ExecImports.syscall4(SysOpenat2, root, x.WorkingDirectoryPrefixes[i], (long)how, 24);
            if (current != root)
            {
                ExecImports.close(current); // one descriptor at a time: a WORKDIR deeper than RLIMIT_NOFILE still works
            }

            current = next;
        }

        const int PathMax = 4096;
        var cwd = stackalloc byte[PathMax];
        return current != -1 && ExecImports.fchdir(current) != -1
            && ExecImports.getcwd(cwd, PathMax) != null && cwd[0] == (byte)'/';
    }
}
