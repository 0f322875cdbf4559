using System.Text;
using static Tmds.Linux.LibC;

namespace ImageBuilder.Linux.Native;

// Writing back a tree that a step is still changing: the step does not trust ibuild's reading of
// it and ibuild does not trust the step's names, so the walk holds each directory open and names
// only single components relative to it, with O_NOFOLLOW: no symlink is ever followed, whatever
// the step renames meanwhile. A file is opened O_PATH first (no driver's open runs) and checked
// through that descriptor to be a regular file before it is opened for real through
// /proc/self/fd: a device node the step renames onto the name in between is never opened.
public static unsafe partial class Syscalls
{
    /// <summary>
    /// Starts writing back (sync_file_range SYNC_FILE_RANGE_WRITE: queued, not waited for) each
    /// regular file under the directory <paramref name="root"/> of at least
    /// <paramref name="minimumSize"/> bytes modified at or after <paramref name="modifiedSince"/>
    /// (ns since the epoch), down to <paramref name="maxDepth"/> levels and over at most
    /// <paramref name="maxEntries"/> names, until <paramref name="stopping"/> says so. Best effort:
    /// what cannot be opened is passed over. Returns how many files it started.
    /// </summary>
    internal static int StartTreeWriteback(string root, long minimumSize, long modifiedSince, int maxDepth, int maxEntries, Func<bool> stopping)
    {
        int fd;
        fixed (byte* p = ReadingNative.Path(root))
        {
            fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        }

        return fd == -1 ? 0 : new WritebackWalk(minimumSize, modifiedSince, maxEntries, maxDepth, stopping).Directory(fd, 0);
    }

    private sealed class WritebackWalk(long minimumSize, long modifiedSince, int maxEntries, int maxDepth, Func<bool> stopping)
    {
        private const byte DirectoryType = 4, RegularType = 8, UnknownType = 0;

        // Names the walk may still look at.
        private int budget = maxEntries;

        // One getdents buffer per level, reused by every directory at that level.
        private readonly byte[]?[] buffers = new byte[]?[maxDepth + 1];

        /// <summary>The walk of one directory at <paramref name="depth"/> (its descriptor, closed here); how many files it started.</summary>
        public int Directory(int directory, int depth)
        {
            var started = 0;
            var buffer = buffers[depth] ??= new byte[16 * 1024];
            try
            {
                while (budget > 0 && !stopping())
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
                            if (type == DirectoryType && depth < maxDepth)
                            {
                                var child = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
                                started += child == -1 ? 0 : Directory(child, depth + 1);
                            }
                            else if (type is RegularType or UnknownType)
                            {
                                started += WriteBack(directory, name) ? 1 : 0;
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

        /// <summary>Starts the file's write-back if it is a regular file the walk wants.</summary>
        private bool WriteBack(int directory, byte* name)
        {
            var handle = openat(directory, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
            if (handle == -1)
            {
                return false;
            }

            try
            {
                Tmds.Linux.stat status;
                if (fstat(handle, &status) != 0
                    || (status.st_mode & S_IFMT) != S_IFREG
                    || status.st_size < minimumSize
                    || ((long)status.st_mtim.tv_sec * 1_000_000_000) + (long)status.st_mtim.tv_nsec < modifiedSince)
                {
                    return false;
                }

                // The inode just checked, opened for real: whatever the name has become meanwhile.
                int file;
                fixed (byte* path = Encoding.ASCII.GetBytes($"/proc/self/fd/{handle}\0"))
                {
                    file = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC, 0);
                }

                if (file == -1)
                {
                    return false;
                }

                var done = sync_file_range(file, 0, 0, (uint)SYNC_FILE_RANGE_WRITE) == 0;
                close(file);
                return done;
            }
            finally
            {
                close(handle);
            }
        }
    }
}
