using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace ImageBuilder.Linux.Native;

// Reading what an open descriptor (opened without following a symlink) is: fstat and the f*xattr
// calls. Tmds.LibC names fstat; flistxattr and fgetxattr come from LibCGaps.
public static unsafe partial class Syscalls
{
    /// <summary>fstat(2) of an open descriptor: its mode, owner and the rest, as <see cref="LStat"/> gives them.</summary>
    internal static FileStatus FStat(SafeFileHandle file)
    {
        stat status;
        ThrowIfFailed(fstat((int)file.DangerousGetHandle(), &status), "fstat");
        return new FileStatus(
            (ushort)status.st_mode, status.st_uid, status.st_gid, status.st_size, status.st_dev, status.st_ino,
            status.st_nlink, status.st_rdev, status.st_mtim.tv_sec, status.st_mtim.tv_nsec);
    }

    /// <summary>Every extended attribute of an open descriptor that <paramref name="wanted"/>
    /// accepts by name, with its value; none when the file system has no xattr support.</summary>
    internal static List<(string Name, byte[] Value)> ReadExtendedAttributes(SafeFileHandle file, Func<string, bool> wanted)
    {
        var fd = (int)file.DangerousGetHandle();
        var result = new List<(string, byte[])>();
        foreach (var name in HandleXattrs.Names(fd))
        {
            if (wanted(name) && HandleXattrs.Value(fd, name) is { } value)
            {
                result.Add((name, value));
            }
        }

        return result;
    }

    private static class HandleXattrs
    {
        private const int Erange = 34, Enodata = 61, Eopnotsupp = 95;

        public static List<string> Names(int fd)
        {
            while (true)
            {
                var size = (long)LibCGaps.flistxattr(fd, null, 0);
                if (size <= 0)
                {
                    return size == 0 || Marshal.GetLastPInvokeError() == Eopnotsupp ? [] : throw new LinuxException("flistxattr", Marshal.GetLastPInvokeError());
                }

                var buffer = new byte[size];
                fixed (byte* b = buffer)
                {
                    size = (long)LibCGaps.flistxattr(fd, b, (nuint)buffer.Length);
                }

                if (size == -1 && Marshal.GetLastPInvokeError() == Erange)
                {
                    continue; // an attribute was added in between: ask again
                }

                if (size == -1)
                {
                    throw new LinuxException("flistxattr", Marshal.GetLastPInvokeError());
                }

                // NUL-terminated names back to back (decoded leniently: they are only compared).
                var names = new List<string>();
                foreach (var name in buffer.AsSpan(0, (int)size).Split((byte)0))
                {
                    var bytes = buffer.AsSpan(0, (int)size)[name];
                    if (!bytes.IsEmpty)
                    {
                        names.Add(Encoding.UTF8.GetString(bytes));
                    }
                }

                return names;
            }
        }

        public static byte[]? Value(int fd, string name)
        {
            var name0 = Encoding.UTF8.GetBytes(name + "\0");
            while (true)
            {
                long size;
                fixed (byte* n = name0)
                {
                    size = (long)LibCGaps.fgetxattr(fd, n, null, 0);
                }

                if (size == -1)
                {
                    var error = Marshal.GetLastPInvokeError();
                    return error is Enodata or Eopnotsupp ? null : throw new LinuxException($"fgetxattr {name}", error);
                }

                var value = new byte[size];
                fixed (byte* n = name0)
                fixed (byte* v = value)
                {
                    size = (long)LibCGaps.fgetxattr(fd, n, v, (nuint)value.Length);
                }

                if (size == -1 && Marshal.GetLastPInvokeError() == Erange)
                {
                    continue; // the value grew in between: ask again
                }

                return size == -1 ? throw new LinuxException($"fgetxattr {name}", Marshal.GetLastPInvokeError()) : value[..(int)size];
            }
        }
    }
}
