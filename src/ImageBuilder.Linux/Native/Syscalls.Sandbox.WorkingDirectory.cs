using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace ImageBuilder.Linux.Native;

// The init's way into the working directory, after pivot_root (see PivotAndExec): only the
// request pipe survives, and the directory is resolved inside the new root, never through a
// /proc magic link (the CVE-2024-21626 class).
public static unsafe partial class Syscalls
{
    /// <summary>close_range(2) of every descriptor from 3 up except <paramref name="keep"/> (at least 3).</summary>
    private static bool CloseAllBut(int keep) =>
        (keep <= 3 || (int)syscall(SysCloseRange, 3, keep - 1, 0) != -1)
        && (int)syscall(SysCloseRange, keep + 1, uint.MaxValue, 0) != -1;

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
        var how = new open_how { flags = (ulong)x.OpenDirectoryFlags, resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
        var root = openat2(AtFdCwd, slash, &how, (size_t)sizeof(open_how));
        var current = root;
        for (var i = 0; i < x.WorkingDirectoryPrefixes.Length && current != -1; i++)
        {
            if (mkdirat(current, (byte*)x.WorkingDirectoryNames[i], 0x1ed) == -1 && Marshal.GetLastPInvokeError() != Eexist)
            {
                return false;
            }

            var next = openat2(root, (byte*)x.WorkingDirectoryPrefixes[i], &how, (size_t)sizeof(open_how));
            if (current != root)
            {
                close(current); // one descriptor at a time: a WORKDIR deeper than RLIMIT_NOFILE still works
            }

            current = next;
        }

        const int PathMax = 4096;
        var cwd = stackalloc byte[PathMax];
        return current != -1 && fchdir(current) != -1
            && getcwd(cwd, PathMax) != null && cwd[0] == (byte)'/';
    }
}
