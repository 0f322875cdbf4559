using System.IO.Pipes;
using ImageBuilder.Linux.Native;

namespace ImageBuilder.Linux.Tests.Native;

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

    [Fact]
    public void A_pipe_has_a_writer_until_its_write_end_is_closed_even_with_data_left_unread()
    {
        using var writer = new AnonymousPipeServerStream(PipeDirection.Out);
        using var reader = new AnonymousPipeClientStream(PipeDirection.In, writer.ClientSafePipeHandle);
        var fd = (int)reader.SafePipeHandle.DangerousGetHandle();
        Assert.True(Syscalls.ParentStillThere(fd));

        writer.Write("request"u8);
        writer.Flush();
        Assert.True(Syscalls.ParentStillThere(fd)); // data waiting is not a hang-up

        writer.Dispose();
        Assert.False(Syscalls.ParentStillThere(fd));
        Assert.False(Syscalls.ParentStillThere(-1)); // no descriptor at all (POLLNVAL) counts as gone
    }
}
