using ImageBuilder.Linux.Tests.Layers;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Sandbox;

/// <summary>The upper dir holds what the step wrote and nothing of the sandbox's own mounts.</summary>
public sealed class SandboxUpperDirTests
{
    [RootFact]
    public async Task The_upper_dir_holds_exactly_the_steps_changes()
    {
        using var run = new SandboxRun(lower =>
        {
            Directory.CreateDirectory(Path.Combine(lower, "tmp", "x"));
            File.WriteAllText(Path.Combine(lower, "tmp", "x", "file"), "x");
        });
        await run.ShAsync("touch /new && rm /etc/passwd && rm -rf /tmp/x");
        Assert.Equal(["etc d", "etc/passwd c", "new f", "tmp d", "tmp/x c"], run.UpperEntries());
    }

    [RootFact]
    public async Task A_trivial_step_leaves_an_empty_upper_dir()
    {
        using var run = new SandboxRun();
        await run.ShAsync("true");
        Assert.Empty(run.UpperEntries());
    }

    [RootFact]
    public async Task A_recreated_directory_is_opaque()
    {
        using var run = new SandboxRun(lower => File.WriteAllText(Path.Combine(lower, "root", "old"), "old"));
        await run.ShAsync("rm -rf /root && mkdir /root && touch /root/new");
        Assert.Equal(["root d", "root/new f"], run.UpperEntries());
        Assert.Contains("trusted.overlay.opaque", ImageBuilder.Linux.Native.Syscalls.ListExtendedAttributes(Path.Combine(run.Upper, "root")));
    }

    [RootTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_resolv_conf_symlink_out_of_the_root_is_left_alone(bool targetExists)
    {
        var witness = new OutsideWitness(Path.Combine(Path.GetTempPath(), $"ibuild-sandbox-witness-{Guid.NewGuid():N}"));
        var target = targetExists ? Path.Combine(witness.Path, "secret") : "/nonexistent-host-path";
        try
        {
            using (var run = new SandboxRun(lower => File.CreateSymbolicLink(Path.Combine(lower, "etc", "resolv.conf"), target)))
            {
                var output = await run.ShAsync("readlink /etc/resolv.conf; cat /etc/hostname");
                Assert.Equal($"{target}\nibuild-test-host\n", output);
                Assert.Empty(run.UpperEntries());
                Assert.Equal(target, new FileInfo(Path.Combine(run.Lower, "etc", "resolv.conf")).LinkTarget);
            }

            witness.AssertUntouched();
            Assert.False(File.Exists("/nonexistent-host-path"));
        }
        finally
        {
            Directory.Delete(witness.Path, recursive: true);
        }
    }

    [RootFact]
    public async Task An_etc_symlink_out_of_the_root_is_left_alone()
    {
        var witness = new OutsideWitness(Path.Combine(Path.GetTempPath(), $"ibuild-sandbox-witness-{Guid.NewGuid():N}"));
        try
        {
            using (var run = new SandboxRun(lower =>
            {
                Directory.Delete(Path.Combine(lower, "etc"), recursive: true);
                File.CreateSymbolicLink(Path.Combine(lower, "etc"), witness.Path);
            }))
            {
                await run.ShAsync("true");
                Assert.Empty(run.UpperEntries());
            }

            witness.AssertUntouched();
        }
        finally
        {
            Directory.Delete(witness.Path, recursive: true);
        }
    }

    [RootFact]
    public async Task A_base_without_etc_proc_sys_dev_gets_stubs_that_do_not_stay()
    {
        using var run = new SandboxRun(lower =>
        {
            foreach (var dir in new[] { "etc", "proc", "sys", "dev" })
            {
                Directory.Delete(Path.Combine(lower, dir), recursive: true);
            }
        });
        var output = await run.ShAsync("cat /etc/hostname; ls -d /proc/self /sys/class /dev/null; echo $(id -u)");
        Assert.Equal("ibuild-test-host\n/dev/null\n/proc/self\n/sys/class\n0\n", output);
        Assert.Empty(run.UpperEntries());
        Assert.False(Directory.Exists(Path.Combine(run.Lower, "etc")));
    }

    [RootFact]
    public async Task A_step_writing_next_to_a_stub_keeps_its_file_but_not_the_stub()
    {
        using var run = new SandboxRun(lower => Directory.Delete(Path.Combine(lower, "etc"), recursive: true));
        await run.ShAsync("echo hi > /etc/motd && echo changed >> /etc/hosts");
        Assert.Equal(["etc d", "etc/motd f"], run.UpperEntries());
    }
}
