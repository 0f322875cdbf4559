using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace ImageBuilder.Linux.Native;

/// <summary>
/// Everything the sandbox's init needs from pivot_root to execve, prepared as native memory
/// before the root changes. After pivot_root the runtime can no longer load assemblies or
/// libraries from the old root, so <see cref="Syscalls.PivotAndExec"/> touches nothing but
/// these pointers and libc calls (Tmds.LibC's and <see cref="LibCGaps"/>') that were already
/// called once (see <see cref="Syscalls.BindExecImports"/>).
/// </summary>
internal sealed unsafe class PreparedExec
{
    public required int NewRootFd { get; init; }
    public required int OldRootFd { get; init; }
    public required int ParentFd { get; init; }              // the request pipe; ibuild holds its write end
    public required nint[] WorkingDirectoryPrefixes { get; init; } // each parent, shortest first, then itself; absolute
    public required nint[] WorkingDirectoryNames { get; init; }    // the last component of each prefix
    public required int OpenDirectoryFlags { get; init; }   // O_PATH | O_DIRECTORY | O_CLOEXEC for this architecture
    public required nint[] Candidates { get; init; }         // paths to try with execve, in order
    public required nint Argv { get; init; }                 // char*[] with a NULL end
    public required nint Envp { get; init; }
    public required uint Uid { get; init; }
    public required uint Gid { get; init; }
    public required uint[] Groups { get; init; }
    public bool SetGroups { get; init; } = true;             // false where setgroups is denied (a user namespace mapped without newgidmap)
    public required ulong KeptCapabilities { get; init; }
    public required int LastCapability { get; init; }
    public PreparedSyscallFilter? SyscallFilter { get; init; } // loaded before the capability drop; null: none
    public required byte[] NotFoundMessage { get; init; }   // "ibuild: sandbox: <cmd>: not found (errno "
    public required byte[] ExecFailedMessage { get; init; }
    public required byte[] SetupFailedMessage { get; init; }
    public required byte[] WorkingDirectoryMessage { get; init; }
    public required byte[] ParentGoneMessage { get; init; }
}

public static unsafe partial class Syscalls
{
    private const int PrCapBsetDrop = 24;
    private const int PrSetPdeathsig = 1;
    private const int PrCapBsetRead = 23;
    private const int MntDetach = 2;
    private const int Enoent = 2;
    private const int Enotdir = 20;
    private const int Eexist = 17;

    // Tmds.LibC has no SYS_* numbers for these (nor a pivot_root or close_range function).
    private static readonly int SysPivotRoot = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 41 : 155;
    private static readonly int SysExitGroup = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 94 : 231;
    private static readonly int SysGetPid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 172 : 39;
    private const int SysCloseRange = 436; // the same number on every architecture

    /// <summary>
    /// Calls every import <see cref="PivotAndExec"/> uses once, harmlessly, and JIT-compiles it,
    /// so that nothing needs the old root once it is gone.
    /// </summary>
    internal static void BindExecImports()
    {
        var empty = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference("\0"u8));
        syscall(SysGetPid, 0, 0, 0);
        fchdir(-1);
        chdir(empty);
        mount(null, empty, null, 0, null);
        umount2(empty, 0);
        mkdirat(-1, empty, 0);
        var how = default(open_how);
        openat2(-1, empty, &how, (size_t)sizeof(open_how));
        close(-1);
        var cwd = stackalloc byte[2];
        getcwd(cwd, 2);
        LibCGaps.prctl(PrCapBsetRead, 0, 0, 0, 0);
        setresgid(uint.MaxValue, uint.MaxValue, uint.MaxValue);
        setresuid(uint.MaxValue, uint.MaxValue, uint.MaxValue);
        execve(empty, null, null);
        write(2, empty, 0);
        var entry = new pollfd { fd = -1 };
        poll(&entry, 1, 0);
        var header = stackalloc uint[2];
        var data = stackalloc uint[6];
        header[0] = 0; // an invalid version: capset fails without changing anything
        LibCGaps.capset(header, data);
        setgroups(0, null);
        _ = Marshal.GetLastPInvokeError();
        umask(umask(0));
        RuntimeHelpers.PrepareMethod(typeof(Syscalls).GetMethod(nameof(PivotAndExec), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.MethodHandle);
        RuntimeHelpers.PrepareMethod(typeof(Syscalls).GetMethod(nameof(EnterWorkingDirectory), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.MethodHandle);
        RuntimeHelpers.PrepareMethod(typeof(Syscalls).GetMethod(nameof(ParentStillThere), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.MethodHandle);
        RuntimeHelpers.PrepareMethod(typeof(Syscalls).GetMethod(nameof(Fail), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.MethodHandle);
        RuntimeHelpers.PrepareMethod(typeof(Syscalls).GetMethod(nameof(LoadSyscallFilter), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.MethodHandle);
    }

    /// <summary>
    /// pivot_root into the prepared root, detach the old one, enter the working directory,
    /// umask 022, drop capabilities, set ids, execve. Returns only by exiting the process:
    /// 125 when setting up failed, 127 when the command was not found, 126 when it would not run.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void PivotAndExec(PreparedExec x)
    {
        var dot = stackalloc byte[2];
        dot[0] = (byte)'.';
        dot[1] = 0;
        var slash = stackalloc byte[2];
        slash[0] = (byte)'/';
        slash[1] = 0;

        // runc's way: pivot_root(".", ".") stacks the old root on top of the new one; detaching
        // "." from the old root's directory then removes it, with no directory needed for it.
        if (fchdir(x.NewRootFd) == -1 || (int)syscall(SysPivotRoot, dot, dot, 0) == -1
            || fchdir(x.OldRootFd) == -1
            || mount(null, dot, null, (ulong_t)(MountSlave | MountRecursive), null) == -1
            || umount2(dot, MntDetach) == -1 || chdir(slash) == -1)
        {
            Fail(x.SetupFailedMessage, 125);
        }

        // CVE-2024-21626: nothing of the host may be reachable when the working directory is looked
        // up. Every descriptor above 2 is closed first (the old root's among them, which made
        // WORKDIR /proc/self/fd/N the host's /), except the request pipe, which is not a directory.
        if (!CloseAllBut(x.ParentFd))
        {
            Fail(x.SetupFailedMessage, 125);
        }

        umask(0x12); // 022
        if (!EnterWorkingDirectory(x))
        {
            Fail(x.WorkingDirectoryMessage, 125);
        }

        // The step's seccomp filter (Docker's profile), loaded while the init still holds
        // CAP_SYS_ADMIN: no no_new_privs is needed, so setuid programs in the step still work.
        // Every call from here to execve is one the profile allows.
        LoadSyscallFilter(x.SyscallFilter);

        for (var cap = 0; cap <= x.LastCapability; cap++)
        {
            if ((x.KeptCapabilities & (1UL << cap)) == 0 && LibCGaps.prctl(PrCapBsetDrop, (ulong)cap, 0, 0, 0) == -1)
            {
                Fail(x.SetupFailedMessage, 125);
            }
        }

        // capset before the ids: a move away from uid 0 then clears the permitted and effective
        // sets, as Docker leaves them for a non-root USER; the bounding set keeps the default set.
        var header = stackalloc uint[2];
        var data = stackalloc uint[6];
        header[0] = 0x20080522; // _LINUX_CAPABILITY_VERSION_3
        header[1] = 0;
        for (var half = 0; half < 2; half++)
        {
            var bits = (uint)(x.KeptCapabilities >> (32 * half));
            data[(half * 3) + 0] = bits; // effective
            data[(half * 3) + 1] = bits; // permitted
            data[(half * 3) + 2] = 0;    // inheritable stays empty (CVE-2022-24769), as in Docker
        }

        fixed (uint* groups = x.Groups)
        {
            if (LibCGaps.capset(header, data) == -1
                || (x.SetGroups && setgroups(x.Groups.Length, (gid_t*)groups) == -1)
                || setresgid(x.Gid, x.Gid, x.Gid) == -1
                || setresuid(x.Uid, x.Uid, x.Uid) == -1)
            {
                Fail(x.SetupFailedMessage, 125);
            }
        }

        // Changing ids clears the parent-death signal, so it is set last: when ibuild dies the step dies.
        // In a new PID namespace getppid() is 0 and cannot tell whether ibuild died before that;
        // the request pipe can: ibuild holds its write end until the step ends, so a hang-up
        // now means ibuild is gone and nothing would kill the command. It is not run.
        LibCGaps.prctl(PrSetPdeathsig, 9, 0, 0, 0);
        if (!ParentStillThere(x.ParentFd))
        {
            Fail(x.ParentGoneMessage, 125);
        }

        if ((int)syscall(SysCloseRange, 3, uint.MaxValue, 0) == -1)
        {
            // No close_range (before Linux 5.9): refuse rather than leak ibuild's descriptors.
            Fail(x.SetupFailedMessage, 125);
        }

        var error = Enoent;
        foreach (var candidate in x.Candidates)
        {
            execve((byte*)candidate, (byte**)x.Argv, (byte**)x.Envp);
            var e = Marshal.GetLastPInvokeError();
            if (e != Enoent && e != Enotdir)
            {
                error = e;
            }
        }

        Fail(error == Enoent ? x.NotFoundMessage : x.ExecFailedMessage, error == Enoent ? 127 : 126);
    }

    /// <summary>poll(2) with a zero timeout on the read end of ibuild's pipe: no POLLHUP, POLLERR
    /// or POLLNVAL (reported whether asked for or not) means a writer is still there.</summary>
    internal static bool ParentStillThere(int fd)
    {
        const short Gone = 0x8 | 0x10 | 0x20; // POLLERR | POLLHUP | POLLNVAL
        var entry = new pollfd { fd = fd };
        return fd >= 0 && poll(&entry, 1, 0) != -1 && (entry.revents & Gone) == 0;
    }

    /// <summary>Writes the prepared message, the errno in digits and a newline, then exits the process.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Fail(byte[] message, int exitCode)
    {
        var error = Marshal.GetLastPInvokeError();
        var digits = stackalloc byte[16];
        var at = 16;
        digits[--at] = (byte)'\n';
        digits[--at] = (byte)')';
        do
        {
            digits[--at] = (byte)('0' + (error % 10));
            error /= 10;
        }
        while (error > 0 && at > 0);

        fixed (byte* m = message)
        {
            write(2, m, message.Length);
        }

        write(2, digits + at, 16 - at);
        syscall(SysExitGroup, exitCode, 0, 0);
    }

}
