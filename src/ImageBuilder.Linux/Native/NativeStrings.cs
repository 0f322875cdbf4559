using System.Runtime.InteropServices;

namespace ImageBuilder.Linux.Native;

/// <summary>Argument and environment vectors for execve.</summary>
internal static class NativeStrings
{
    /// <summary>A NULL-terminated char*[] in native memory (never freed: the process execs or exits).</summary>
    public static unsafe nint Allocate(IReadOnlyList<string> items)
    {
        var array = (nint*)NativeMemory.AllocZeroed((nuint)(items.Count + 1), (nuint)sizeof(nint));
        for (var i = 0; i < items.Count; i++)
        {
            array[i] = Marshal.StringToCoTaskMemUTF8(items[i]);
        }

        return (nint)array;
    }
}
