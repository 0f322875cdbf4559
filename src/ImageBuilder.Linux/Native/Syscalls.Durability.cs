using Microsoft.Win32.SafeHandles;
using static Tmds.Linux.LibC;

namespace ImageBuilder.Linux.Native;

public static unsafe partial class Syscalls
{
    /// <summary>Opens a regular file or a directory read-only, never through a symlink, to make it durable.</summary>
    internal static SafeFileHandle OpenForSync(string path, bool directory)
    {
        var flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (directory ? O_DIRECTORY : 0);
        fixed (byte* p = System.Text.Encoding.UTF8.GetBytes(path + "\0"))
        {
            return new SafeFileHandle(ThrowIfFailed(open(p, flags, 0), $"open {path}"), ownsHandle: true);
        }
    }

    /// <summary>sync_file_range(SYNC_FILE_RANGE_WRITE) over the whole file: starts writing its dirty pages back, without waiting.</summary>
    internal static void StartWriteback(SafeFileHandle file) =>
        ThrowIfFailed(sync_file_range((int)file.DangerousGetHandle(), 0, 0, (uint)SYNC_FILE_RANGE_WRITE), "sync_file_range");

    /// <summary>fsync: the file's data and inode (a directory's: its entries) are on the disk when it returns.</summary>
    internal static void Sync(SafeFileHandle file) =>
        ThrowIfFailed(fsync((int)file.DangerousGetHandle()), "fsync");
}
