namespace ImageBuilder.Linux.Native;

/// <summary>A system call failed: which call, and the errno it set.</summary>
public sealed class LinuxException(string call, int errno)
    : Exception($"{call} failed: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})")
{
    public string Call { get; } = call;

    public int Errno { get; } = errno;
}
