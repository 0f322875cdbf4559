using System.Text;
using static Tmds.Linux.LibC;

namespace ImageBuilder.Linux.Native;

/// <summary>
/// The one place that calls libc (through Tmds.LibC). Every wrapper turns a -1
/// return into a <see cref="LinuxException"/> carrying errno.
/// </summary>
public static unsafe partial class Syscalls
{
    /// <summary>The host name of the calling thread's UTS namespace.</summary>
    public static string GetHostName()
    {
        const int size = 256;
        var buffer = stackalloc byte[size];
        ThrowIfFailed(gethostname(buffer, size), nameof(gethostname));
        var length = 0;
        while (length < size && buffer[length] != 0)
        {
            length++;
        }

        return Encoding.UTF8.GetString(buffer, length);
    }

    internal static int ThrowIfFailed(int result, string call) =>
        result == -1 ? throw new LinuxException(call, errno) : result;
}
