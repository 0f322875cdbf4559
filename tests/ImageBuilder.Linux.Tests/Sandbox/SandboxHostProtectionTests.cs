using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Sandbox;

/// <summary>What keeps a step away from the host's devices, terminal and inherited capabilities.</summary>
public sealed class SandboxHostProtectionTests
{
    [RootFact]
    public async Task Device_nodes_a_step_creates_cannot_be_opened_but_the_standard_devices_work()
    {
        using var run = new SandboxRun();

        // 1:5 is /dev/zero: harmless, and readable if the node could be opened at all.
        var output = await run.ShAsync(
            "mknod /zero-on-root c 1 5 && mknod /dev/zero-on-dev c 1 5 && echo made; " +
            "head -c 1 /zero-on-root >/dev/null 2>&1 && echo root-open || echo root-refused; " +
            "head -c 1 /dev/zero-on-dev >/dev/null 2>&1 && echo dev-open || echo dev-refused; " +
            "head -c 3 /dev/zero | od -An -tx1; echo hello > /dev/null && echo null-ok");

        Assert.Equal("made\nroot-refused\ndev-refused\n 00 00 00\nnull-ok\n", output);
    }

    [RootFact]
    public async Task The_step_leads_its_own_session_and_inherits_no_capabilities()
    {
        using var run = new SandboxRun();

        // Field 6 of /proc/self/stat is the session id: the command (pid 1) leads its own.
        var output = await run.ShAsync("cut -d' ' -f6 /proc/1/stat; grep CapInh /proc/self/status");

        Assert.Equal("1\nCapInh:\t0000000000000000\n", output);
    }

    [RootFact]
    public async Task An_image_whose_passwd_is_a_pipe_or_a_device_is_refused_without_hanging()
    {
        foreach (var shape in new[] { "mkfifo", "mknod-zero" })
        {
            using var run = new SandboxRun(lower =>
            {
                var passwd = Path.Combine(lower, "etc", "passwd");
                File.Delete(passwd);
                var tool = shape == "mkfifo" ? ("mkfifo", new[] { passwd }) : ("mknod", new[] { passwd, "c", "1", "5" });
                ExternalTool.Run(tool.Item1, tool.Item2);
            });

            var error = await Assert.ThrowsAsync<ImageBuilder.Linux.Sandbox.SandboxException>(() => run.ShAsync("true", user: "nobody"));

            // A pipe is refused by type; a device node cannot even be opened (the root is nodev).
            Assert.True(error.Message.Contains("/etc/passwd", StringComparison.Ordinal), shape + ": " + error.Message);
        }
    }
}
