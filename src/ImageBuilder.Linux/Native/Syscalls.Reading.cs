using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace ImageBuilder.Linux.Native;

// Reading a file tree without following symlinks: lstat, readlink, getdents64, the l*xattr
// calls and an O_NOFOLLOW open. Tmds.LibC has no wrappers for getdents64 and the xattr calls,
// so those go through its syscall() with the kernel's numbers for this architecture.
public static unsafe partial class Syscalls
{
    /// <summary>Whether <paramref name="path"/> (through symlinks) is a Unix socket; false when it does not exist.</summary>
    public static bool IsSocket(string path)
    {
        try
        {
            var target = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
            return LStat(target).FileType == FileStatus.TypeSocket;
        }
        catch (Exception e) when (e is LinuxException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The owner and permission bits (with setuid, setgid, sticky) of <paramref name="path"/> itself.</summary>
    /// <exception cref="LinuxException">It cannot be read.</exception>
    public static (int Uid, int Gid, int Mode) OwnerAndMode(string path)
    {
        var status = LStat(path);
        return ((int)status.Uid, (int)status.Gid, (int)(status.Mode & 0xFFF));
    }

    /// <summary>lstat(2): the status of <paramref name="path"/> itself, never of a symlink's target.</summary>
    internal static FileStatus LStat(string path)
    {
        stat status;
        fixed (byte* p = ReadingNative.Path(path))
        {
            ThrowIfFailed(lstat(p, &status), $"lstat {path}");
        }

        return new FileStatus(
            (ushort)status.st_mode,
            status.st_uid,
            status.st_gid,
            status.st_size,
            status.st_dev,
            status.st_ino,
            status.st_nlink,
            status.st_rdev,
            status.st_mtim.tv_sec,
            status.st_mtim.tv_nsec,
            status.st_ctim.tv_sec,
            status.st_ctim.tv_nsec);
    }

    /// <summary>
    /// stat(2), following symlinks: whether <paramref name="path"/> is a pipe, socket or device
    /// (<c>&lt;(command)</c>'s /dev/fd/63, a FIFO, /dev/stdin on a terminal); false for a regular
    /// file, a directory, or nothing at all.
    /// </summary>
    public static bool IsSpecialFile(string path)
    {
        stat status;
        fixed (byte* p = ReadingNative.Path(path))
        {
            if (stat(p, &status) != 0)
            {
                return false;
            }
        }

        var type = status.st_mode & S_IFMT;
        return type != S_IFREG && type != S_IFDIR;
    }

    /// <summary>readlink(2): a symlink's target exactly as stored.</summary>
    internal static string ReadLink(string path)
    {
        var path0 = ReadingNative.Path(path);
        for (var size = 256; ; size *= 4)
        {
            var buffer = new byte[size];
            long length;
            fixed (byte* p = path0)
            fixed (byte* b = buffer)
            {
                length = readlink(p, b, size);
            }

            if (length == -1)
            {
                throw new LinuxException($"readlink {path}", errno);
            }

            if (length < size)
            {
                return ReadingNative.Decode(buffer.AsSpan(0, (int)length), path);
            }
        }
    }

    /// <summary>getdents64(2) on the directory <paramref name="path"/> (opened with O_NOFOLLOW):
    /// every name but "." and "..", in the file system's order.</summary>
    internal static List<DirectoryName> ListDirectory(string path)
    {
        int fd;
        fixed (byte* p = ReadingNative.Path(path))
        {
            fd = ThrowIfFailed(open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0), $"open {path}");
        }

        var names = new List<DirectoryName>();
        var buffer = new byte[32 * 1024];
        try
        {
            while (true)
            {
                long read;
                fixed (byte* b = buffer)
                {
                    read = (ssize_t)syscall(ReadingNative.GetDents64, fd, b, buffer.Length);
                }

                if (read == -1)
                {
                    throw new LinuxException($"getdents64 {path}", errno);
                }

                if (read == 0)
                {
                    return names;
                }

                // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
                for (var offset = 0; offset < read;)
                {
                    var recordLength = BitConverter.ToUInt16(buffer, offset + 16);
                    var name = buffer.AsSpan(offset + 19, recordLength - 19);
                    name = name[..name.IndexOf((byte)0)];
                    if (!name.SequenceEqual("."u8) && !name.SequenceEqual(".."u8))
                    {
                        names.Add(new DirectoryName(ReadingNative.Decode(name, path), name.ToArray()));
                    }

                    offset += recordLength;
                }
            }
        }
        finally
        {
            close(fd);
        }
    }

    /// <summary>llistxattr(2): the names of the extended attributes of the path itself; none
    /// when the file system has no xattr support.</summary>
    internal static List<string> ListExtendedAttributes(string path)
    {
        var path0 = ReadingNative.Path(path);
        while (true)
        {
            long size;
            fixed (byte* p = path0)
            {
                size = (ssize_t)syscall(ReadingNative.LListXattr, p, null, 0);
            }

            if (size == -1)
            {
                var error = errno;
                return error == EOPNOTSUPP ? [] : throw new LinuxException($"llistxattr {path}", error);
            }

            if (size == 0)
            {
                return [];
            }

            var buffer = new byte[size];
            fixed (byte* p = path0)
            fixed (byte* b = buffer)
            {
                size = (ssize_t)syscall(ReadingNative.LListXattr, p, b, buffer.Length);
            }

            if (size == -1 && errno == ERANGE)
            {
                continue; // an attribute was added in between: ask again
            }

            if (size == -1)
            {
                throw new LinuxException($"llistxattr {path}", errno);
            }

            // The list is NUL-terminated names back to back.
            var names = new List<string>();
            var list = new ReadOnlySpan<byte>(buffer, 0, (int)size);
            while (!list.IsEmpty)
            {
                var end = list.IndexOf((byte)0);
                end = end < 0 ? list.Length : end;
                if (end > 0)
                {
                    names.Add(ReadingNative.Decode(list[..end], path));
                }

                list = list[Math.Min(end + 1, list.Length)..];
            }

            return names;
        }
    }

    /// <summary>lgetxattr(2): one attribute's value, or null when the path does not have it.</summary>
    internal static byte[]? GetExtendedAttribute(string path, string name)
    {
        var path0 = ReadingNative.Path(path);
        var name0 = ReadingNative.Path(name);
        while (true)
        {
            long size;
            fixed (byte* p = path0)
            fixed (byte* n = name0)
            {
                size = (ssize_t)syscall(ReadingNative.LGetXattr, p, n, null, 0);
            }

            if (size == -1)
            {
                var error = errno;
                return error == ENODATA || error == EOPNOTSUPP ? null : throw new LinuxException($"lgetxattr {path} {name}", error);
            }

            var value = new byte[size];
            fixed (byte* p = path0)
            fixed (byte* n = name0)
            fixed (byte* v = value)
            {
                size = (ssize_t)syscall(ReadingNative.LGetXattr, p, n, v, value.Length);
            }

            if (size == -1 && errno == ERANGE)
            {
                continue; // the value grew in between: ask again
            }

            if (size == -1)
            {
                throw new LinuxException($"lgetxattr {path} {name}", errno);
            }

            return value.AsSpan(0, (int)size).ToArray();
        }
    }

    /// <summary>Opens a file for reading with O_NOFOLLOW: a symlink in its place fails (ELOOP)
    /// instead of being followed.</summary>
    internal static SafeFileHandle OpenReadNoFollow(string path)
    {
        fixed (byte* p = ReadingNative.Path(path))
        {
            var fd = ThrowIfFailed(open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0), $"open {path}");
            return new SafeFileHandle(fd, ownsHandle: true);
        }
    }
}

internal static class ReadingNative
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // The kernel's system call numbers (asm/unistd.h) of the calls Tmds.LibC does not wrap.
    public static readonly int GetDents64 = ForArchitecture(x64: 217, arm64: 61);
    public static readonly int LGetXattr = ForArchitecture(x64: 192, arm64: 9);
    public static readonly int LListXattr = ForArchitecture(x64: 195, arm64: 12);

    /// <summary>A NUL-terminated UTF-8 copy of a path or name for the kernel.</summary>
    public static byte[] Path(string value)
    {
        if (value.Contains('\0'))
        {
            throw new ArgumentException($"a path cannot contain NUL: \"{value}\"", nameof(value));
        }

        var bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }

    /// <summary>Bytes from the kernel as a string; names that are not UTF-8 cannot round-trip
    /// through a .NET string, so they are refused rather than silently altered.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes, string context)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException error)
        {
            throw new IOException($"{context}: a name is not valid UTF-8 ({Convert.ToHexString(bytes)})", error);
        }
    }

    private static int ForArchitecture(int x64, int arm64) => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => x64,
        Architecture.Arm64 => arm64,
        var other => throw new PlatformNotSupportedException($"no system call numbers for {other}"),
    };
}
