using System.Runtime.InteropServices;

namespace ImageBuilder.Linux.Tests.Layers;

/// <summary>What lstat and lgetxattr say about a path, for assertions (never follows a final symlink).</summary>
internal sealed record NodeStatus(string Type, int Mode, uint Uid, uint Gid, ulong Inode, ulong Links, long Size, uint Major, uint Minor, DateTimeOffset ModificationTime)
{
    private const int ENODATA = 61;

    public static NodeStatus Of(string path)
    {
        if (lstat(path, out var status) != 0)
        {
            throw new IOException($"lstat {path}: errno {Marshal.GetLastPInvokeError()}");
        }

        var mode = (uint)(ushort)status.st_mode;
        var device = (ulong)status.st_rdev;
        return new NodeStatus(
            (mode & 0xf000) switch
            {
                0x4000 => "dir",
                0x8000 => "file",
                0xa000 => "symlink",
                0x2000 => "char",
                0x6000 => "block",
                0x1000 => "fifo",
                _ => "other",
            },
            (int)(mode & 0xfff),
            status.st_uid,
            status.st_gid,
            (ulong)status.st_ino,
            (ulong)status.st_nlink,
            status.st_size,
            (uint)(((device >> 8) & 0xfff) | ((device >> 32) & 0xfffff000)),
            (uint)((device & 0xff) | ((device >> 12) & 0xffffff00)),
            DateTimeOffset.FromUnixTimeSeconds(status.st_mtim.tv_sec).AddTicks((long)status.st_mtim.tv_nsec / 100));
    }

    public static bool Exists(string path) => lstat(path, out _) == 0;

    /// <summary>The value of an extended attribute, or null when the path has none of that name.</summary>
    public static byte[]? Attribute(string path, string name)
    {
        var size = lgetxattr(path, name, null, 0);
        if (size < 0)
        {
            return Marshal.GetLastPInvokeError() == ENODATA ? null : throw new IOException($"lgetxattr {path}: errno {Marshal.GetLastPInvokeError()}");
        }

        var value = new byte[size];
        return lgetxattr(path, name, value, (nuint)value.Length) == size ? value : throw new IOException("xattr changed while read");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int lstat(string path, out Tmds.Linux.stat status);

    [DllImport("libc", SetLastError = true)]
    private static extern nint lgetxattr(string path, string name, byte[]? value, nuint size);
}
