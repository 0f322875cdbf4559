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

    // The busybox base has /etc but no hosts, hostname or resolv.conf: their stubs make overlayfs
    // copy /etc up, and only the stubs' removal decides whether that copy stays.
    [RootTheory]
    [InlineData("chmod 700 /etc", 0x1c0, 0u)]
    [InlineData("chown 5:5 /etc", 0x1ed, 5u)]
    [InlineData("chmod 700 /etc && ls /etc/hosts && chmod 755 /etc && chmod 1755 /etc", 0x3ed, 0u)]
    public async Task A_copied_up_parent_the_step_changed_stays_with_the_change(string script, int mode, uint owner)
    {
        using var run = new SandboxRun();
        await run.ShAsync(script);
        Assert.Equal(["etc d"], run.UpperEntries());
        var etc = ImageBuilder.Linux.Native.Syscalls.LStat(Path.Combine(run.Upper, "etc"));
        Assert.Equal(mode, etc.Permissions);
        Assert.Equal((owner, owner), (etc.Uid, etc.Gid));
    }

    [RootTheory]
    [InlineData("true")]
    [InlineData("chmod 755 /etc && chown 0:0 /etc")] // changed back to what it was: nothing to keep
    public async Task A_copied_up_parent_left_as_it_was_does_not_stay_even_with_xattrs(string script)
    {
        using var run = new SandboxRun(lower =>
        {
            using var root = ImageBuilder.Linux.Native.Syscalls.OpenResolutionRoot(lower);
            using var etc = ImageBuilder.Linux.Native.Syscalls.OpenDirectoryInRoot(root, "etc", pathOnly: false);
            ImageBuilder.Linux.Native.Syscalls.SetExtendedAttribute(etc, "user.note", "kept"u8);
            ImageBuilder.Linux.Native.Syscalls.SetExtendedAttribute(etc, "trusted.note", "kept"u8);
        });
        await run.ShAsync(script);
        Assert.Empty(run.UpperEntries());
    }

    [RootFact]
    public async Task A_created_parent_the_step_changed_stays_with_the_change()
    {
        using var run = new SandboxRun(lower => Directory.Delete(Path.Combine(lower, "etc"), recursive: true));
        await run.ShAsync("chmod 700 /etc");
        Assert.Equal(["etc d"], run.UpperEntries());
        Assert.Equal(0x1c0, ImageBuilder.Linux.Native.Syscalls.LStat(Path.Combine(run.Upper, "etc")).Permissions);
    }

    [Fact]
    public void A_directorys_state_differs_by_user_xattrs_but_not_by_overlays_own()
    {
        using var temp = new TempDirectory("ibuild-dirstate-test-");
        var states = new List<ImageBuilder.Linux.Sandbox.DirectoryState>();
        using var root = ImageBuilder.Linux.Native.Syscalls.OpenResolutionRoot(temp.Path);
        foreach (var (name, attribute) in new[] { ("plain", ""), ("overlay", "user.overlay.origin"), ("noted", "user.note") })
        {
            Directory.CreateDirectory(temp.Combine(name));
            using var directory = ImageBuilder.Linux.Native.Syscalls.OpenDirectoryInRoot(root, name, pathOnly: false);
            if (attribute.Length > 0)
            {
                ImageBuilder.Linux.Native.Syscalls.SetExtendedAttribute(directory, attribute, "x"u8);
            }

            states.Add(ImageBuilder.Linux.Sandbox.DirectoryState.Of(directory));
        }

        Assert.Equal(states[0], states[1]);
        Assert.NotEqual(states[0], states[2]);
    }
}
