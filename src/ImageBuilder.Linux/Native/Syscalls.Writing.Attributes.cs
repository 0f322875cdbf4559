using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace ImageBuilder.Linux.Native;

// Extended attributes, times and directory listings for the snapshot writer. Tmds.LibC has
// no xattr calls and no getdents64: those come from LibCGaps.
public static unsafe partial class Syscalls
{
    /// <summary>fsetxattr on an open file or directory.</summary>
    public static void SetExtendedAttribute(SafeFileHandle file, string name, ReadOnlySpan<byte> value)
    {
        fixed (byte* n = WritingNames.Encode(name))
        fixed (byte* v = value)
        {
            ThrowIfFailed(LibCGaps.fsetxattr(WritingDescriptors.Of(file), n, v, (nuint)value.Length, 0), "fsetxattr");
        }
    }

    /// <summary>
    /// Sets an xattr on <paramref name="entry"/> in <paramref name="directory"/> without following
    /// it (for symlinks, devices and fifos, which cannot be opened for fsetxattr): setxattrat
    /// (Linux 6.13) with AT_SYMLINK_NOFOLLOW, or on older kernels
    /// <see cref="SetExtendedAttributeThroughProc"/>.
    /// </summary>
    public static void SetExtendedAttributeNoFollow(SafeFileHandle directory, string entry, string name, ReadOnlySpan<byte> value)
    {
        fixed (byte* e = WritingNames.Component(entry))
        fixed (byte* n = WritingNames.Encode(name))
        fixed (byte* v = value)
        {
            var args = new WritingXattrArgs { Value = (ulong)v, Size = (uint)value.Length };
            var result = (int)syscall(WritingValues.SysSetxattrat, WritingDescriptors.Of(directory), e, AT_SYMLINK_NOFOLLOW, n, &args, sizeof(WritingXattrArgs));
            if (result != -1 || errno != WritingValues.ENOSYS)
            {
                ThrowIfFailed(result, "setxattrat");
                return;
            }
        }

        SetExtendedAttributeThroughProc(directory, entry, name, value);
    }

    /// <summary>
    /// lsetxattr on "/proc/self/fd/&lt;directory&gt;/&lt;entry&gt;": the magic link pins the
    /// directory we hold open, <paramref name="entry"/> is one component, and lsetxattr does not
    /// follow it. The fallback for kernels before setxattrat.
    /// </summary>
    internal static void SetExtendedAttributeThroughProc(SafeFileHandle directory, string entry, string name, ReadOnlySpan<byte> value)
    {
        WritingNames.Component(entry);
        fixed (byte* p = WritingNames.Encode($"/proc/self/fd/{WritingDescriptors.Of(directory)}/{entry}"))
        fixed (byte* n = WritingNames.Encode(name))
        fixed (byte* v = value)
        {
            ThrowIfFailed(LibCGaps.lsetxattr(p, n, v, (nuint)value.Length, 0), "lsetxattr");
        }
    }

    /// <summary>Sets the access and modification time of an open file or directory to <paramref name="time"/>.</summary>
    public static void SetTimes(SafeFileHandle file, DateTimeOffset time)
    {
        var times = stackalloc timespec[2];
        times[0] = times[1] = WritingValues.Timespec(time);
        ThrowIfFailed(futimens(WritingDescriptors.Of(file), times), nameof(futimens));
    }

    /// <summary>utimensat with AT_SYMLINK_NOFOLLOW: a symlink gets its own times.</summary>
    public static void SetTimesNoFollow(SafeFileHandle directory, string name, DateTimeOffset time)
    {
        var times = stackalloc timespec[2];
        times[0] = times[1] = WritingValues.Timespec(time);
        fixed (byte* p = WritingNames.Component(name))
        {
            ThrowIfFailed(utimensat(WritingDescriptors.Of(directory), p, times, AT_SYMLINK_NOFOLLOW), nameof(utimensat));
        }
    }

    /// <summary>The names in an open directory (without "." and ".."), read with getdents64.</summary>
    public static List<string> ReadDirectoryNames(SafeFileHandle directory)
    {
        var names = new List<string>();
        var buffer = new byte[32 * 1024];
        fixed (byte* start = buffer)
        {
            while (true)
            {
                var count = (long)LibCGaps.getdents64(WritingDescriptors.Of(directory), start, (nuint)buffer.Length);
                if (count == -1)
                {
                    throw new LinuxException("getdents64", errno);
                }

                if (count == 0)
                {
                    return names;
                }

                // struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[].
                for (var offset = 0; offset < count;)
                {
                    var record = new ReadOnlySpan<byte>(start + offset, *(ushort*)(start + offset + 16));
                    var name = record[19..];
                    name = name[..name.IndexOf((byte)0)];
                    if (!name.SequenceEqual("."u8) && !name.SequenceEqual(".."u8))
                    {
                        names.Add(System.Text.Encoding.UTF8.GetString(name));
                    }

                    offset += record.Length;
                }
            }
        }
    }

    // The kernel's struct xattr_args for setxattrat.
    [StructLayout(LayoutKind.Sequential)]
    private struct WritingXattrArgs
    {
        public ulong Value;
        public uint Size;
        public uint Flags;
    }
}
