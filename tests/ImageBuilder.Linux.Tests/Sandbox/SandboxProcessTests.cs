using ImageBuilder.Linux.Sandbox;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Sandbox;

/// <summary>What the step's process starts with: its standard input, its descriptors, its
/// RLIMIT_NOFILE, and no start at all once ibuild is gone.</summary>
public sealed class SandboxProcessTests
{
    [RootFact]
    public async Task An_init_whose_ibuild_went_away_before_exec_does_not_run_the_command()
    {
        using var run = new SandboxRun();
        var options = SandboxRun.Options with { AbandonInitBeforeExec = true };
        var (result, stdout, stderr) = await run.RunAsync(run.Spec("touch /marker; echo ran"), options: options);

        Assert.Equal(125, result.ExitCode);
        Assert.Contains("ibuild went away before /bin/sh started; not running it", stderr);
        Assert.Empty(stdout);
        Assert.Empty(run.UpperEntries()); // no /marker, and no stub left behind either
    }

    [RootFact]
    public async Task The_command_gets_dev_null_on_stdin_and_no_other_descriptor_of_ibuild()
    {
        using var run = new SandboxRun();
        // [ -e ] is a builtin that opens nothing: whatever it finds open in PID 1 (the shell) came with it.
        var output = await run.ShAsync("readlink /proc/self/fd/0; cat | wc -c; for fd in $(seq 0 255); do [ -e /proc/1/fd/$fd ] && echo -n \"$fd \"; done; true");
        Assert.Equal("/dev/null\n0\n0 1 2 ", output);
    }

    [RootFact]
    public async Task A_step_gets_1024_open_files_and_the_hard_limit_capped_at_524288()
    {
        using var run = new SandboxRun();
        var expectedHard = Math.Min(524288UL, HardOpenFileLimitOfThisProcess());
        var output = await run.ShAsync("ulimit -n; ulimit -Hn; ulimit -Sn 1500 && ulimit -n");
        Assert.Equal($"1024\n{expectedHard}\n1500\n", output);
    }

    [RootFact]
    public async Task A_steps_open_file_limit_can_be_set_lower()
    {
        using var run = new SandboxRun();
        var spec = run.Spec("ulimit -n; ulimit -Hn; ulimit -Sn 600 2>/dev/null; ulimit -n") with { OpenFiles = new OpenFileLimit(256, 512) };
        var (result, stdout, stderr) = await run.RunAsync(spec);
        Assert.True(result.ExitCode == 0, stderr);
        Assert.Equal("256\n512\n256\n", stdout); // the soft limit cannot go above the hard one
    }

    [RootFact]
    public async Task A_limit_above_ibuilds_own_hard_limit_is_capped_not_refused()
    {
        using var run = new SandboxRun();
        var hard = HardOpenFileLimitOfThisProcess();
        var spec = run.Spec("ulimit -n; ulimit -Hn") with { OpenFiles = new OpenFileLimit(ulong.MaxValue, ulong.MaxValue) };
        var (result, stdout, stderr) = await run.RunAsync(spec);
        Assert.True(result.ExitCode == 0, stderr);
        var shown = hard == ulong.MaxValue ? "unlimited" : hard.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal($"{shown}\n{shown}\n", stdout);
    }

    /// <summary>The hard "Max open files" of the test process (the init inherits ibuild's, which is this one's).</summary>
    private static ulong HardOpenFileLimitOfThisProcess()
    {
        var line = File.ReadAllLines("/proc/self/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var hard = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return hard == "unlimited" ? ulong.MaxValue : ulong.Parse(hard, System.Globalization.CultureInfo.InvariantCulture);
    }
}
