using static Tmds.Linux.LibC;

namespace ImageBuilder.Linux.Native;

public static unsafe partial class Syscalls
{
    private const int TopDirectoryFlag = 0x00020000; // FS_TOPDIR_FL
    private const int GetInodeFlags = unchecked((int)0x80086601); // FS_IOC_GETFLAGS = _IOR('f', 1, long); the kernel reads an int
    private const int SetInodeFlags = 0x40086602; // FS_IOC_SETFLAGS = _IOW('f', 2, long)

    /// <summary>
    /// Sets FS_TOPDIR_FL on the directory <paramref name="path"/> (never through a symlink) unless
    /// it has it; false when the file system keeps no such flag (only ext2/3/4 do) or refuses it.
    /// </summary>
    internal static bool TrySetTopDirectory(string path)
    {
        int fd;
        fixed (byte* p = Utf8OrNull(path))
        {
            fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        }

        if (fd < 0)
        {
            return false;
        }

        try
        {
            int flags;
            if (ioctl(fd, GetInodeFlags, &flags) < 0)
            {
                return false;
            }

            if ((flags & TopDirectoryFlag) != 0)
            {
                return true;
            }

            flags |= TopDirectoryFlag;
            return ioctl(fd, SetInodeFlags, &flags) == 0;
        }
        finally
        {
            close(fd);
        }
    }
}
