using Microsoft.Win32.SafeHandles;

namespace ImageBuilder.Linux.Native;

public static unsafe partial class Syscalls
{
    /// <summary>syncfs: flushes every dirty page and inode of the file system holding <paramref name="handle"/>.</summary>
    internal static void SyncFileSystem(SafeFileHandle handle) =>
        ThrowIfFailed(Tmds.Linux.LibC.syncfs((int)handle.DangerousGetHandle()), "syncfs");
}
