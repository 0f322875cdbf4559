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

    /// <summary>access(2): whether this process may read and/or write <paramref name="path"/> (as its capabilities in its user namespace allow).</summary>
    internal static bool CanAccess(string path, bool read, bool write)
    {
        fixed (byte* p = Utf8OrNull(path))
        {
            return access(p, (read ? R_OK : 0) | (write ? W_OK : 0)) == 0;
        }
    }
}
