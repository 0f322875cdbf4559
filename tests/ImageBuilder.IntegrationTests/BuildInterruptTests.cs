using System.Diagnostics;
using System.Globalization;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary><c>ibuild build</c> as a separate process, interrupted: SIGINT, and kill -9 followed by another build.</summary>
public sealed class BuildInterruptTests : IDisposable
{
    private readonly BuildFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    [RootFact]
    public async Task Sigint_during_a_run_step_ends_the_build_with_130_and_leaves_nothing()
    {
        await fixture.ImportBaseAsync();
        fixture.Write("Dockerfile", "FROM box:1 AS a\nRUN sleep 1001\nFROM box:1\nRUN --mount=type=cache,target=/c sleep 1002\nCOPY --from=a /etc/passwd /a\n");
        using var process = Process.Start(Tools.IbuildProcess("--root", fixture.Store, "build", "--progress", "plain", "--memory", "256m", fixture.Context))!;
        await ProcessTable.WaitForAsync(() => Tools.ProcessesRunning("sleep 1001").Count > 0 && Tools.ProcessesRunning("sleep 1002").Count > 0);

        (await Tools.Run("kill", "-INT", process.Id.ToString(CultureInfo.InvariantCulture))).Ok();
        await process.WaitForExitAsync();

        Assert.Equal(130, process.ExitCode);
        Assert.Empty(Tools.ProcessesRunning("sleep 1001"));
        Assert.Empty(Tools.ProcessesRunning("sleep 1002"));
        fixture.AssertNothingLeft();
        Assert.Empty(Directory.Exists("/sys/fs/cgroup/memory")
            ? Directory.EnumerateDirectories("/sys/fs/cgroup/memory", $"ibuild-{process.Id}-*", SearchOption.AllDirectories)
            : []);
    }

    [RootFact]
    public async Task After_kill_9_of_a_build_the_next_build_cleans_up_and_succeeds()
    {
        await fixture.ImportBaseAsync();
        fixture.Write("Dockerfile", "FROM box:1\nRUN sleep 1003\n");
        using (var process = Process.Start(Tools.IbuildProcess("--root", fixture.Store, "build", "--progress", "plain", fixture.Context))!)
        {
            await ProcessTable.WaitForAsync(() => Tools.ProcessesRunning("sleep 1003").Count > 0);
            process.Kill();
            await process.WaitForExitAsync();
        }

        await ProcessTable.WaitForAsync(() => Tools.ProcessesRunning("sleep 1003").Count == 0);
        Assert.Empty(Tools.ProcessesRunning("sleep 1003"));

        (await fixture.BuildAsync("FROM box:1\nRUN echo after > /after\n", "-t", "after:1")).Ok();
        fixture.AssertNothingLeft();
    }
}
