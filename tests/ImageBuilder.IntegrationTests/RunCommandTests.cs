using System.Diagnostics;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary>
/// <c>ibuild run</c> as a separate process: limits through cgroups, and what SIGINT and
/// kill -9 leave behind (nothing: no process, mount, cgroup or scratch).
/// </summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly TempDirectory dir = new("ibuild-it-run-");

    public void Dispose() => dir.Dispose();

    private string Store => dir.Combine("store");

    private async Task ImportAsync() =>
        (await Tools.Ibuild("--root", Store, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1")).Ok();

    [RootFact]
    public async Task A_step_over_its_memory_limit_is_reported_as_oom_killed()
    {
        await ImportAsync();

        var result = await Run("run", "--memory", "64m", "box:1", "sh", "-c", "dd if=/dev/zero of=/dev/null bs=150M count=1 && echo survived");

        Assert.Equal(137, result.ExitCode);
        Assert.DoesNotContain("survived", result.Stdout);
        Assert.Contains("killed by the kernel's OOM killer: memory limit 64 MiB", result.Stderr);
        AssertNothingLeft();
    }

    [RootFact]
    public async Task A_fork_storm_stops_at_the_pids_limit_and_leaves_nothing_running()
    {
        await ImportAsync();

        var result = await Run("run", "--pids-limit", "32", "box:1", "sh", "-c", "for i in $(seq 100); do sleep 30 & done; echo started");

        Assert.Contains("can't fork", result.Stderr);
        Assert.Empty(Tools.ProcessesRunning("sleep 30"));
        AssertNothingLeft();
    }

    [RootFact]
    public async Task Sigint_kills_the_step_and_cleans_up_with_exit_code_130()
    {
        await ImportAsync();
        using var process = Process.Start(Tools.IbuildProcess("--root", Store, "run", "--memory", "256m", "box:1", "sleep", "1000"))!;
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (Tools.ProcessesRunning("sleep 1000").Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.NotEmpty(Tools.ProcessesRunning("sleep 1000"));
        (await Tools.Run("kill", "-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))).Ok();
        await process.WaitForExitAsync();

        Assert.Equal(130, process.ExitCode);
        Assert.Empty(Tools.ProcessesRunning("sleep 1000"));
        AssertNothingLeft();
    }

    [RootFact]
    public async Task After_kill_9_of_ibuild_the_next_run_cleans_up()
    {
        await ImportAsync();
        using (var process = Process.Start(Tools.IbuildProcess("--root", Store, "run", "--pids-limit", "50", "box:1", "sleep", "999"))!)
        {
            var deadline = DateTime.UtcNow.AddMinutes(1);
            while (Tools.ProcessesRunning("sleep 999").Count == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            process.Kill();
            await process.WaitForExitAsync();
        }

        // The step dies with ibuild (parent-death signal) and its mounts with its namespace.
        var gone = DateTime.UtcNow.AddSeconds(30);
        while (Tools.ProcessesRunning("sleep 999").Count > 0 && DateTime.UtcNow < gone)
        {
            await Task.Delay(50);
        }

        Assert.Empty(Tools.ProcessesRunning("sleep 999"));
        (await Run("run", "box:1", "true")).Ok();
        AssertNothingLeft();
    }

    private Task<Tools.Result> Run(params string[] args) => Tools.Ibuild(["--root", Store, .. args]);

    private void AssertNothingLeft()
    {
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), line => line.Contains(Store, StringComparison.Ordinal));
        Assert.Empty(StoreScratch.Leftovers(Store));
        var cgroups = Directory.Exists("/sys/fs/cgroup")
            ? Directory.EnumerateDirectories("/sys/fs/cgroup", "ibuild-*", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 5, IgnoreInaccessible = true })
                .Where(d => d.Contains($"ibuild-{Environment.ProcessId}-", StringComparison.Ordinal)).ToList()
            : [];
        Assert.Empty(cgroups);
    }
}
