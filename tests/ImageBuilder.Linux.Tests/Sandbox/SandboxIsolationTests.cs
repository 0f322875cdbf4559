using ImageBuilder.Linux.Sandbox;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Sandbox;

/// <summary>What a step sees from inside the sandbox, checked from inside and from the host.</summary>
public sealed class SandboxIsolationTests
{
    [RootFact]
    public async Task The_step_is_pid_1_and_sees_no_host_process()
    {
        using var run = new SandboxRun();
        var output = await run.ShAsync("echo $$; ls /proc | grep -E '^[0-9]+$' | sort -n | tr '\\n' ' '; echo; cat /proc/1/cmdline | tr '\\0' ' '");
        var lines = output.Split('\n');
        Assert.Equal("1", lines[0]);
        var pids = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
        Assert.Contains(1, pids);
        Assert.True(pids.Count <= 6 && pids.Max() < 32, $"host processes visible: {lines[1]}");
        Assert.StartsWith("/bin/sh -c echo $$", lines[2]);
    }

    [RootFact]
    public async Task The_step_has_its_own_host_name_and_generated_etc_files()
    {
        using var run = new SandboxRun();
        var output = await run.ShAsync("hostname; cat /etc/hostname; grep -c ibuild-test-host /etc/hosts");
        Assert.Equal("ibuild-test-host\nibuild-test-host\n1\n", output);
        Assert.NotEqual("ibuild-test-host", ImageBuilder.Linux.Native.Syscalls.GetHostName());
    }

    [RootFact]
    public async Task Host_files_and_mounts_are_not_visible()
    {
        using var run = new SandboxRun();
        var marker = Path.Combine(Path.GetTempPath(), $"ibuild-sandbox-marker-{Guid.NewGuid():N}");
        File.WriteAllText(marker, "host");
        try
        {
            var output = await run.ShAsync($"test -e {marker} && echo visible; ls /tmp; cut -d' ' -f2 /proc/mounts | sort -u | tr '\\n' ' '");
            Assert.DoesNotContain("visible", output);
            Assert.DoesNotContain(Path.GetFileName(marker), output);
            var mountPoints = output.Split('\n')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.All(mountPoints, m => Assert.True(m is "/" || m.StartsWith("/proc", StringComparison.Ordinal) || m.StartsWith("/sys", StringComparison.Ordinal)
                || m.StartsWith("/dev", StringComparison.Ordinal) || m.StartsWith("/etc/", StringComparison.Ordinal), $"host mount visible: {m}"));
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [RootFact]
    public async Task Root_in_the_step_cannot_mount_and_has_dockers_capabilities()
    {
        using var run = new SandboxRun();
        var output = await run.ShAsync("mkdir -p /mnt; mount -t tmpfs none /mnt 2>/dev/null; echo mount=$?; grep -c ' /mnt ' /proc/mounts; grep -E 'Cap(Eff|Prm|Bnd)' /proc/self/status; id -u");
        Assert.Contains("\n0\n", output); // no tmpfs on /mnt
        Assert.DoesNotContain("mount=0", output);
        Assert.Contains("CapEff:\t00000000a80425fb", output);
        Assert.Contains("CapPrm:\t00000000a80425fb", output);
        Assert.Contains("CapBnd:\t00000000a80425fb", output);
        Assert.EndsWith("0\n", output);
    }

    [RootFact]
    public async Task Proc_is_masked_and_read_only_where_runc_makes_it_so()
    {
        using var run = new SandboxRun();
        var output = await run.ShAsync(
            "for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do [ -e $f ] && echo \"$f $(wc -c < $f)\"; done; "
            + "echo h > /proc/sysrq-trigger 2>/dev/null; echo sysrq=$?; echo x > /proc/sys/kernel/domainname 2>/dev/null; echo sys=$?; "
            + "touch /sys/x 2>/dev/null; echo sysfs=$?; ls /sys/firmware | wc -l; grep -c ' /proc/sys proc ro' /proc/mounts");
        foreach (var line in output.Split('\n').Where(l => l.StartsWith("/proc/", StringComparison.Ordinal)))
        {
            Assert.EndsWith(" 0", line); // masked: reads as /dev/null
        }

        Assert.Contains("sysrq=1", output);
        Assert.Contains("sys=1", output);
        Assert.Contains("sysfs=1", output);
        Assert.EndsWith("0\n1\n", output);
    }

    [RootFact]
    public async Task Dev_has_the_usual_nodes()
    {
        using var run = new SandboxRun();
        var output = await run.ShAsync("for d in null zero full random urandom tty ptmx pts shm; do [ -e /dev/$d ] && echo $d; done; head -c 4 /dev/zero | wc -c; echo ok > /dev/null; echo $?");
        Assert.Equal("null\nzero\nfull\nrandom\nurandom\ntty\nptmx\npts\nshm\n4\n0\n", output);
    }

    [RootFact]
    public async Task Network_none_shows_only_a_loopback_that_is_up()
    {
        using var run = new SandboxRun();
        var output = await run.ShAsync("ls /sys/class/net; cat /sys/class/net/lo/operstate; ip -o link | cut -d: -f2", SandboxNetwork.None);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("lo", lines[0]);
        Assert.Equal(" lo", lines[^1]);
        Assert.Equal(3, lines.Length);
    }

    [RootFact]
    public async Task A_user_by_name_gets_its_ids_and_no_capabilities()
    {
        using var run = new SandboxRun();
        var output = await run.ShAsync("id -u; id -g; grep CapEff /proc/self/status; pwd; echo $HOME", user: "nobody", workingDirectory: "/work/dir");
        Assert.Equal("65534\n65534\nCapEff:\t0000000000000000\n/work/dir\n/home\n", output);
    }

    [RootFact]
    public async Task User_forms_uid_gid_and_name_group_resolve()
    {
        using var run = new SandboxRun();
        Assert.Equal("123 456\n", await run.ShAsync("echo $(id -u) $(id -g)", user: "123:456"));
        Assert.Equal("65534 0\n", await run.ShAsync("echo $(id -u) $(id -g)", user: "nobody:root"));
    }

    [RootFact]
    public async Task An_unknown_user_is_a_clear_error_and_leaves_nothing()
    {
        using var run = new SandboxRun();
        var e = await Assert.ThrowsAsync<SandboxException>(() => run.RunAsync(run.Spec("true", user: "ghost")));
        Assert.Contains("unable to find user ghost", e.Message);
        Assert.Empty(run.UpperEntries());
    }

    [RootFact]
    public async Task Exit_codes_and_a_missing_command_come_back()
    {
        using var run = new SandboxRun();
        Assert.Equal(7, (await run.RunAsync(run.Spec("exit 7"))).Result.ExitCode);
        var spec = run.Spec("") with { Argv = ["no-such-command"] };
        var (result, _, stderr) = await run.RunAsync(spec);
        Assert.Equal(127, result.ExitCode);
        Assert.Contains("no-such-command", stderr);
    }

    [RootFact]
    public async Task Cancelling_kills_the_step_and_everything_it_started()
    {
        using var run = new SandboxRun();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(1500));
        var started = DateTime.UtcNow;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.RunAsync(run.Spec("sleep 1000 & sleep 1000"), cancel.Token));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20));
        var sleepers = Directory.GetDirectories("/proc").Select(d => Path.Combine(d, "cmdline")).Where(File.Exists)
            .Select(f => { try { return File.ReadAllText(f); } catch (IOException) { return ""; } })
            .Count(c => c == "sleep\u00001000\u0000");
        Assert.Equal(0, sleepers);
    }
}
