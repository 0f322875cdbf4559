using System.Diagnostics;
using System.Globalization;
using ImageBuilder.Linux.Rootless;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Rootless;

/// <summary>
/// Ctrl-C and kill -9 of a rootless build in a RUN step: no mount, no process (unshare,
/// newuidmap, ibuild-init, the step) and no scratch is left; the next build and prune work.
/// The tests run as a user of their own, so any process of its ids still there after the build
/// is a leftover (no other test runs as it).
/// </summary>
public sealed class RootlessInterruptTests : IDisposable
{
    private readonly BuildFixture fixture = new(new RootlessUser("ibuild-rl-interrupt"));

    /// <summary>A failed test may leave its build running: end every process of the user first.</summary>
    public void Dispose()
    {
        foreach (var process in ProcessesOfTheUser())
        {
            Tools.Run("kill", "-KILL", process.Pid.ToString(CultureInfo.InvariantCulture)).GetAwaiter().GetResult();
        }

        fixture.Dispose();
    }

    [RootFact]
    public async Task Ctrl_c_during_a_rootless_run_step_ends_the_build_with_130_and_leaves_nothing()
    {
        await fixture.ImportBaseAsync();
        fixture.Write("Dockerfile", "FROM box:1 AS a\nRUN sleep 1031\nFROM box:1\nRUN --mount=type=cache,target=/c sleep 1032\nCOPY --from=a /etc/passwd /a\n");
        using var process = Process.Start(InItsOwnProcessGroup(fixture.IbuildProcess("--root", fixture.Store, "build", "--progress", "plain", fixture.Context)))!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var ibuild = await RunningStepsAsync(process, "sleep 1031", "sleep 1032");
        Assert.NotEmpty(ProcessTable.MountsUnder(fixture.Store));

        // A terminal's Ctrl-C: SIGINT to the whole foreground process group, runuser and ibuild alike.
        var group = ProcessGroupOf(ibuild);
        Assert.NotEqual(ProcessGroupOf(Environment.ProcessId), group);
        (await Tools.Run("kill", "-INT", "--", $"-{group}")).Ok();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}\n{await stdout}\n{await stderr}");
        Assert.Contains("ibuild: cancelled", await stderr);
        await AssertNothingLeftAsync();
    }

    [RootFact]
    public async Task After_kill_9_of_a_rootless_build_nothing_is_left_and_the_next_build_and_prune_work()
    {
        await fixture.ImportBaseAsync();
        fixture.Write("Dockerfile", "FROM box:1\nRUN sleep 1033\n");
        using (var process = Process.Start(fixture.IbuildProcess("--root", fixture.Store, "build", "--progress", "plain", fixture.Context))!)
        {
            var output = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
            var ibuild = await RunningStepsAsync(process, "sleep 1033");
            (await Tools.Run("kill", "-KILL", ibuild.ToString(CultureInfo.InvariantCulture))).Ok();
            await process.WaitForExitAsync();
            await output;
        }

        await ProcessTable.WaitForAsync(() => ProcessesOfTheUser().Count == 0);
        Assert.Empty(ProcessesOfTheUser());
        Assert.Empty(ProcessTable.MountsUnder(fixture.Store));

        (await fixture.BuildAsync("FROM box:1\nRUN echo after > /after\n", "-t", "after:1")).Ok();
        await AssertNothingLeftAsync();
    }

    /// <summary>Waits for the steps to run; returns the pid of ibuild (runuser's child, in the user namespace).</summary>
    private async Task<int> RunningStepsAsync(Process runuser, params string[] steps)
    {
        await ProcessTable.WaitForAsync(() => steps.All(s => Tools.ProcessesRunning(s).Count > 0));
        Assert.All(steps, s => Assert.Single(Tools.ProcessesRunning(s)));
        return Assert.Single(ProcessTable.ChildrenOf(runuser.Id), p => p.Uid == fixture.User.Uid).Pid;
    }

    /// <summary>No process of the user's ids, no mount of the store's anywhere, no scratch; the store checks clean and prunes.</summary>
    private async Task AssertNothingLeftAsync()
    {
        await ProcessTable.WaitForAsync(() => ProcessesOfTheUser().Count == 0);
        Assert.Empty(ProcessesOfTheUser());
        fixture.AssertNothingLeft();
        Assert.Contains("no problems", (await fixture.Ibuild("--root", fixture.Store, "fsck")).Ok().Stdout);
        (await fixture.Ibuild("--root", fixture.Store, "prune")).Ok();
        (await fixture.Ibuild("--root", fixture.Store, "images")).Ok();
    }

    /// <summary>Processes running as the user or as one of its subordinate ids (the step's USER, say).</summary>
    private List<ProcessEntry> ProcessesOfTheUser()
    {
        var subordinate = SubordinateIds.Read(SubordinateIds.UsersFile, fixture.User.Name, fixture.User.Uid);
        return [.. ProcessTable.All().Where(p => p.Uid == fixture.User.Uid || subordinate.Any(r => p.Uid >= r.Start && p.Uid - r.Start < r.Count))];
    }

    /// <summary>The same command under setsid: a process group of its own, as a shell gives a foreground job.</summary>
    private static ProcessStartInfo InItsOwnProcessGroup(ProcessStartInfo info)
    {
        var wrapped = new ProcessStartInfo("setsid") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = info.RedirectStandardInput };
        foreach (var arg in new[] { "--wait", info.FileName }.Concat(info.ArgumentList))
        {
            wrapped.ArgumentList.Add(arg);
        }

        return wrapped;
    }

    private static int ProcessGroupOf(int pid)
    {
        // /proc/PID/stat: "pid (comm) state ppid pgrp …"; comm may hold blanks, so count from its ")".
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[2], CultureInfo.InvariantCulture);
    }
}
