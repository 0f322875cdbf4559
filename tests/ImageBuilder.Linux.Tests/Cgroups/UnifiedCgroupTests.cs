using ImageBuilder.Linux.Cgroups;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Cgroups;

/// <summary>
/// The v2 writer against the machine's cgroup2 mount, whatever the machine's main layout: on a
/// hybrid host that is /sys/fs/cgroup/unified, usually with no resource controller, so the
/// tests that need controllers skip there and the rest exercise creation, cgroup.kill and removal.
/// </summary>
[Collection(CgroupCollection.Name)]
public sealed class UnifiedCgroupTests
{
    private static string UniqueName(string step) => $"test-v2-{step}-{Guid.NewGuid():N}"[..30];

    private static string Parent => CgroupMounts.ReadCurrent().UnifiedCurrentDirectory!;

    [UnifiedCgroupFact]
    public void A_scope_without_limits_kills_its_processes_and_is_removed()
    {
        var scope = CgroupScope.CreateUnified(Parent, UniqueName("kill"), ResourceLimits.None);
        var directory = Assert.Single(scope.Directories);
        using var step = new GatedProcess("sleep 30 & sleep 30 & wait");
        scope.AddProcess(step.Pid);
        step.Release();
        SpinUntil(() => scope.Processes.Count == 3);
        var members = scope.Processes.ToList();

        scope.Dispose();

        Assert.All(members, pid => Assert.False(GatedProcess.IsAlive(pid), $"pid {pid} outlived its scope"));
        Assert.False(Directory.Exists(directory));
        Assert.Equal(128 + 9, step.WaitForExit(TimeSpan.FromSeconds(30)).ExitCode);
        Assert.False(scope.WasOomKilled);
    }

    [UnifiedCgroupFact]
    public void A_pids_limit_is_applied_when_the_parent_has_the_controller_and_refused_cleanly_when_not()
    {
        var available = File.ReadAllText(Path.Combine(Parent, "cgroup.controllers")).Split(' ', '\n', StringSplitOptions.RemoveEmptyEntries);
        var name = UniqueName("refused");
        if (available.Contains("pids"))
        {
            using var scope = CgroupScope.CreateUnified(Parent, name, new ResourceLimits(PidsLimit: 8));
            Assert.Equal("8", File.ReadAllText(Path.Combine(Assert.Single(scope.Directories), "pids.max")).Trim());
            return;
        }

        var error = Assert.Throws<CgroupException>(() => CgroupScope.CreateUnified(Parent, name, new ResourceLimits(PidsLimit: 8)));

        Assert.Contains("pids", error.Message);
        Assert.False(Directory.Exists(Path.Combine(Parent, CgroupScope.Prefix + name)));
    }

    [UnifiedCgroupFact("memory", "pids", "cpu")]
    public void Limits_land_in_the_v2_files()
    {
        using var scope = CgroupScope.CreateUnified(Parent, UniqueName("files"), new ResourceLimits(64L << 20, 32, 0.5));
        var directory = Assert.Single(scope.Directories);

        Assert.Equal("67108864", Read(directory, "memory.max"));
        Assert.Equal("32", Read(directory, "pids.max"));
        Assert.Equal("50000 100000", Read(directory, "cpu.max"));
        if (File.Exists(Path.Combine(directory, "memory.swap.max")))
        {
            Assert.Equal("0", Read(directory, "memory.swap.max"));
        }
    }

    [UnifiedCgroupFact("memory")]
    public void A_v2_step_over_its_memory_limit_is_oom_killed()
    {
        using var scope = CgroupScope.CreateUnified(Parent, UniqueName("oom"), new ResourceLimits(MemoryBytes: 64L << 20));
        using var step = new GatedProcess("exec dd if=/dev/zero of=/dev/null bs=150M count=1");
        scope.AddProcess(step.Pid);
        step.Release();

        Assert.Equal(128 + 9, step.WaitForExit(TimeSpan.FromSeconds(60)).ExitCode);
        Assert.True(scope.WasOomKilled);
    }

    private static void SpinUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition never held");
            Thread.Sleep(10);
        }
    }

    private static string Read(string directory, string file) => File.ReadAllText(Path.Combine(directory, file)).Trim();
}

/// <summary>
/// A root test that needs a cgroup2 mount where this process's cgroup can have children with
/// the given controllers; skipped, with the reason, where it cannot.
/// </summary>
public sealed class UnifiedCgroupFactAttribute : FactAttribute
{
    public UnifiedCgroupFactAttribute(params string[] controllers)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Skip = "needs root (CI runs the tests as root)";
            return;
        }

        var current = CgroupMounts.ReadCurrent().UnifiedCurrentDirectory;
        if (current is null)
        {
            Skip = "no cgroup2 filesystem is mounted";
            return;
        }

        var available = File.ReadAllText(Path.Combine(current, "cgroup.controllers")).Split(' ', '\n', StringSplitOptions.RemoveEmptyEntries);
        var missing = controllers.Except(available).ToList();
        if (missing.Count > 0)
        {
            Skip = $"cgroup2 at {current} lacks the {string.Join(", ", missing)} controller(s) (bound to v1 hierarchies on this host)";
        }
        else if (controllers.Length > 0 && current != CgroupMounts.ReadCurrent().UnifiedMountPoint && File.ReadAllText(Path.Combine(current, "cgroup.procs")).Length > 0)
        {
            Skip = $"this process's cgroup {current} holds processes, so v2 forbids delegating controllers from it";
        }
    }
}
