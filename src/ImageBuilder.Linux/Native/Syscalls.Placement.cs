using static Tmds.Linux.LibC;

namespace ImageBuilder.Linux.Native;

public static unsafe partial class Syscalls
{
    private const long Ext234Magic = 0xEF53; // EXT2/3/4_SUPER_MAGIC, statfs's f_type
    private const long TopDirectoryFlag = 0x00020000; // FS_TOPDIR_FL
    private const int GetInodeFlags = unchecked((int)0x80086601); // FS_IOC_GETFLAGS = _IOR('f', 1, long)
    private const int SetInodeFlags = 0x40086602; // FS_IOC_SETFLAGS = _IOW('f', 2, long)

    /// <summary>
    /// Sets FS_TOPDIR_FL on the directory <paramref name="path"/> (never through a symlink) unless
    /// it has it; only where the directory is on ext2/3/4 itself (statfs), where the flag means
    /// what it says: elsewhere (xfs, btrfs, tmpfs, overlayfs, FUSE) nothing is asked and the answer is false.
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
            // struct statfs is 120 bytes on 64-bit Linux; f_type, a C long, comes first.
            var status = stackalloc byte[256];
            if (LibCGaps.fstatfs(fd, status) < 0 || *(nint*)status != Ext234Magic)
            {
                return false;
            }

            // ext4 reads and writes an int, but the request says a long: room for one, zeroed.
            long flags = 0;
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
