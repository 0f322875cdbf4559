using static Tmds.Linux.LibC;

namespace ImageBuilder.Linux.Native;

public static unsafe partial class Syscalls
{
    /// <summary>
    /// Sends SIGKILL to <paramref name="pid"/>. Returns false when the process is already gone
    /// (ESRCH), which is the normal outcome of racing a process that exits on its own.
    /// </summary>
    internal static bool KillProcess(int pid)
    {
        if (kill(pid, SIGKILL) == 0)
        {
            return true;
        }

        var error = errno;
        return error == ESRCH ? false : throw new LinuxException(nameof(kill), error);
    }

    /// <summary>access(2) with W_OK: whether this process may write <paramref name="path"/> (as its capabilities in its user namespace allow).</summary>
    internal static bool CanWrite(string path)
    {
        fixed (byte* p = Utf8OrNull(path))
        {
            return access(p, W_OK) == 0;
        }
    }
}
