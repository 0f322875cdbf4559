using ImageBuilder.Linux.Native;

namespace ImageBuilder.Linux.Tests.Native;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SyscallsTests
{
    [Fact]
    public void Host_name_matches_the_kernels_view()
    {
        var expected = File.ReadAllText("/proc/sys/kernel/hostname").TrimEnd('\n');

        Assert.Equal(expected, Syscalls.GetHostName());
    }

    [Fact]
    public void Failed_call_reports_the_call_and_errno_text()
    {
        var error = Assert.Throws<LinuxException>(() => Syscalls.ThrowIfFailed(-1, "test_call"));

        Assert.Equal("test_call", error.Call);
        Assert.StartsWith("test_call failed: ", error.Message);
    }
}
