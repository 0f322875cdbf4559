using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Sandbox;

/// <summary>
/// The syscall filter in a real step, with the static probe (testdata/sandbox/syscall-probe.c):
/// under Docker's profile the keyrings, new user namespaces, clone3, AF_VSOCK and mount fail
/// as under Docker; with no filter (what RUN --security=insecure would ask) the same probe
/// reaches the keyrings and makes user namespaces, so the filter is what stops them.
/// </summary>
public sealed class SandboxSyscallFilterTests
{
    [RootFact]
    public async Task A_step_gets_dockers_errors_for_what_the_profile_blocks_and_keeps_the_rest()
    {
        using var run = new SandboxRun(lower => SyscallProbe.CompileTo(Path.Combine(lower, "probe")));
        var probes = string.Join(' ', SyscallProbe.Names([.. SyscallProbe.Blocked, .. SyscallProbe.Allowed]));

        var output = await run.ShAsync($"/probe {probes} && echo busybox-still-works | tr a-z A-Z");

        Assert.Equal([.. SyscallProbe.Blocked, .. SyscallProbe.Allowed, "BUSYBOX-STILL-WORKS"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [RootFact]
    public async Task Without_a_filter_the_same_probe_reaches_the_keyrings_and_makes_user_namespaces()
    {
        using var run = new SandboxRun(lower => SyscallProbe.CompileTo(Path.Combine(lower, "probe")));
        var spec = run.Spec("/probe keyctl add_key unshare_user clone_user clone3 mount") with { SyscallFilter = null };

        var (result, stdout, stderr) = await run.RunAsync(spec);

        Assert.True(result.ExitCode == 0, stderr);
        // mount still fails: the step has no CAP_SYS_ADMIN, filter or not.
        Assert.Equal(["keyctl=ok", "add_key=ok", "unshare_user=ok", "clone_user=ok", "clone3=ok", "mount=EPERM"], stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [RootFact]
    public async Task A_setuid_root_program_run_by_an_unprivileged_user_still_gains_root()
    {
        // no_new_privs would keep the euid at 65534: the filter is loaded without it.
        using var run = new SandboxRun(lower =>
        {
            var probe = Path.Combine(lower, "probe");
            SyscallProbe.CompileTo(probe);
            File.SetUnixFileMode(probe, UnixFileMode.SetUser | (UnixFileMode)0x1ed); // 04755
        });

        var output = await run.ShAsync("id -u; /probe euid; grep NoNewPrivs /proc/self/status", user: "65534");

        Assert.Equal(["65534", "euid=0", "NoNewPrivs:\t0"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [RootFact]
    public async Task The_step_runs_in_seccomp_filter_mode()
    {
        using var run = new SandboxRun();
        var inherited = File.ReadAllLines("/proc/self/status").Single(l => l.StartsWith("Seccomp_filters:", StringComparison.Ordinal)).Split('\t')[1];

        var output = await run.ShAsync("grep -E '^Seccomp(_filters)?:' /proc/self/status");

        Assert.Equal(["Seccomp:\t2", $"Seccomp_filters:\t{int.Parse(inherited, System.Globalization.CultureInfo.InvariantCulture) + 1}"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
