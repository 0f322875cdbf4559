using System.Diagnostics;
using System.Globalization;
using ImageBuilder.Linux.Cgroups;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Rootless;

/// <summary>
/// Resource limits rootless on this machine kind's cgroup v1: refused before any step runs, with
/// one message saying why. Without limits, a rootless build touches no cgroup at all.
/// </summary>
public sealed class RootlessLimitsTests : IDisposable
{
    private readonly BuildFixture fixture = new(new RootlessUser());

    public void Dispose() => fixture.Dispose();

    public static TheoryData<string[]> LimitedCommands() => new()
    {
        { ["build", "--progress", "plain", "--memory", "64m", "CTX"] },
        { ["build", "--progress", "plain", "--pids-limit", "10", "CTX"] },
        { ["run", "--pids-limit", "10", "box:1", "echo", "step-ran"] },
        { ["run", "--memory", "64m", "box:1", "echo", "step-ran"] },
    };

    [CgroupV1RootTheory]
    [MemberData(nameof(LimitedCommands))]
    public async Task A_limit_on_cgroup_v1_fails_before_anything_runs_saying_why(string[] command)
    {
        await fixture.ImportBaseAsync();
        fixture.Write("Dockerfile", "FROM box:1\nRUN echo step-ran\n");

        var result = await fixture.Ibuild(["--root", fixture.Store, .. command.Select(a => a == "CTX" ? fixture.Context : a)]);

        // A container that cannot be run exits 125 (as docker run); a build that cannot start, 1.
        var isRun = command[0] == "run";
        Assert.Equal(isRun ? 125 : 1, result.ExitCode);
        Assert.Equal(
            (isRun ? "ibuild: run: " : "ibuild: ") + "resource limits (--memory, --pids-limit, --cpus) rootless need a cgroup v2 subtree delegated to your user; "
            + "this machine uses cgroup v1, where only root can create cgroups. Use ibuild as root, or leave the limits out\n",
            result.Stderr);
        Assert.Empty(result.Stdout);
        fixture.AssertNothingLeft();
    }

    [RootFact]
    public async Task A_rootless_build_without_limits_creates_no_cgroup_and_its_step_stays_in_ibuilds()
    {
        await fixture.ImportBaseAsync();
        fixture.Write("Dockerfile", "FROM box:1\nRUN sleep 1021\n");
        using var process = Process.Start(fixture.IbuildProcess("--root", fixture.Store, "build", "--progress", "plain", fixture.Context))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await ProcessTable.WaitForAsync(() => Tools.ProcessesRunning("sleep 1021").Count > 0);
        var ibuild = Assert.Single(ProcessTable.ChildrenOf(process.Id), p => p.Uid == fixture.User.Uid);
        var step = Assert.Single(Tools.ProcessesRunning("sleep 1021"));

        var cgroupsOfStep = File.ReadAllText($"/proc/{step}/cgroup");
        var cgroupsOfIbuild = File.ReadAllText($"/proc/{ibuild.Pid}/cgroup");
        // Root tests create and remove cgroups meanwhile: skip what vanishes or cannot be read.
        var made = Directory.EnumerateDirectories(
            "/sys/fs/cgroup", $"{CgroupScope.Prefix}{ibuild.Pid}-*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }).ToList();
        (await Tools.Run("kill", "-INT", ibuild.Pid.ToString(CultureInfo.InvariantCulture))).Ok();
        await process.WaitForExitAsync();

        Assert.Equal(cgroupsOfIbuild, cgroupsOfStep);
        Assert.DoesNotContain(CgroupScope.Prefix, cgroupsOfStep);
        Assert.Empty(made);
        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}\n{await stdout}\n{await stderr}");
        fixture.AssertNothingLeft();
    }
}

/// <summary>A root test for a machine whose cgroups are v1 (legacy or hybrid), as this project's machines are.</summary>
public sealed class CgroupV1RootTheoryAttribute : TheoryAttribute
{
    public CgroupV1RootTheoryAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Skip = "needs root (CI runs the tests as root)";
        }
        else if (!CgroupMounts.ReadCurrent().IsLegacy)
        {
            Skip = "needs cgroup v1 (a pure v2 machine may delegate a subtree to the user)";
        }
    }
}
