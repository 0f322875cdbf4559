using static Tmds.Linux.LibC;

namespace ImageBuilder.Linux.Native;

// The init's own process state: the descriptor that tells it ibuild is still there (checked in
// PivotAndExec), the resource limits the step starts with, and stopping a process (tests).
// Tmds.LibC names fcntl and kill but not the rlimit calls, which come from LibCGaps.
public static unsafe partial class Syscalls
{
    private const int RlimitNofile = 7; // the same on x64 and arm64

    /// <summary>
    /// Moves the pipe on standard input (whose write end ibuild holds for the life of the step)
    /// to a close-on-exec descriptor above 2, puts <paramref name="devNull"/> on standard input
    /// in its place, and returns the moved descriptor: the command never inherits it.
    /// </summary>
    internal static int MoveStandardInputAside(string devNull)
    {
        var parent = ThrowIfFailed(fcntl(0, F_DUPFD_CLOEXEC, 3), "fcntl(F_DUPFD_CLOEXEC)");
        NullStandardInput(devNull);
        return parent;
    }

    /// <summary>The soft and hard RLIMIT_NOFILE of the calling process.</summary>
    internal static (ulong Soft, ulong Hard) GetOpenFileLimit()
    {
        var limit = stackalloc ulong[2]; // struct rlimit: two rlim_t (unsigned long), soft then hard
        ThrowIfFailed(LibCGaps.getrlimit(RlimitNofile, limit), "getrlimit(RLIMIT_NOFILE)");
        return (limit[0], limit[1]);
    }

    internal static void SetOpenFileLimit(ulong soft, ulong hard)
    {
        var limit = stackalloc ulong[2];
        limit[0] = soft;
        limit[1] = hard;
        ThrowIfFailed(LibCGaps.setrlimit(RlimitNofile, limit), "setrlimit(RLIMIT_NOFILE)");
    }

    /// <summary>kill(2) with SIGSTOP or SIGCONT.</summary>
    internal static void StopProcess(int pid, bool stop) =>
        ThrowIfFailed(kill(pid, stop ? SIGSTOP : SIGCONT), stop ? "kill(SIGSTOP)" : "kill(SIGCONT)");

}
