using static Tmds.Linux.LibC;

namespace ImageBuilder.Linux.Native;

// Writing back a tree that a step is still changing: the step does not trust ibuild's reading of
// it and ibuild does not trust the step's names, so the walk holds each directory open and names
// only single components relative to it, with O_NOFOLLOW: no symlink is ever followed, whatever
// the step renames meanwhile.
public static unsafe partial class Syscalls
{
    /// <summary>
    /// Starts writing back (sync_file_range SYNC_FILE_RANGE_WRITE: queued, not waited for) each
    /// regular file under the directory <paramref name="root"/> of at least
    /// <paramref name="minimumSize"/> bytes modified at or after <paramref name="modifiedSince"/>
    /// (ns since the epoch), down to <paramref name="maxDepth"/> levels and over at most
    /// <paramref name="maxEntries"/> names. Best effort: what cannot be opened is passed over.
    /// Returns how many files it started.
    /// </summary>
    internal static int StartTreeWriteback(string root, long minimumSize, long modifiedSince, int maxDepth, int maxEntries)
    {
        int fd;
        fixed (byte* p = ReadingNative.Path(root))
        {
            fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        }

        var budget = maxEntries;
        return fd == -1 ? 0 : WritebackDirectory(fd, minimumSize, modifiedSince, maxDepth, ref budget);
    }

    /// <summary>The walk of one directory (its descriptor, closed here).</summary>
    private static int WritebackDirectory(int directory, long minimumSize, long modifiedSince, int depthLeft, ref int budget)
    {
        const byte DirectoryType = 4, RegularType = 8, UnknownType = 0;
        var started = 0;
        var buffer = new byte[16 * 1024];
        try
        {
            while (budget > 0)
            {
                long read;
                fixed (byte* b = buffer)
                {
                    read = (long)syscall(ReadingNative.GetDents64, directory, b, buffer.Length);
                }

                if (read <= 0)
                {
                    return started;
                }

                // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; } (d_name ends in NUL)
                for (var offset = 0; offset < read; offset += BitConverter.ToUInt16(buffer, offset + 16))
                {
                    var type = buffer[offset + 18];
                    if (buffer[offset + 19] == '.' && (buffer[offset + 20] == 0 || (buffer[offset + 20] == '.' && buffer[offset + 21] == 0)))
                    {
                        continue;
                    }

                    if (budget-- <= 0)
                    {
                        return started;
                    }

                    fixed (byte* name = &buffer[offset + 19])
                    {
                        if (type == DirectoryType && depthLeft > 0)
                        {
                            var child = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
                            started += child == -1 ? 0 : WritebackDirectory(child, minimumSize, modifiedSince, depthLeft - 1, ref budget);
                        }
                        else if (type is RegularType or UnknownType && WantsWriteback(directory, name, minimumSize, modifiedSince))
                        {
                            var file = openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
                            if (file != -1)
                            {
                                started += sync_file_range(file, 0, 0, (uint)SYNC_FILE_RANGE_WRITE) == 0 ? 1 : 0;
                                close(file);
                            }
                        }
                    }
                }
            }

            return started;
        }
        finally
        {
            close(directory);
        }
    }

    private static bool WantsWriteback(int directory, byte* name, long minimumSize, long modifiedSince)
    {
        Tmds.Linux.stat status;
        return fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) == 0
            && (status.st_mode & S_IFMT) == S_IFREG
            && status.st_size >= minimumSize
            && ((long)status.st_mtim.tv_sec * 1_000_000_000) + (long)status.st_mtim.tv_nsec >= modifiedSince;
    }
}
