using ImageBuilder.Linux.Cgroups;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Cgroups;

/// <summary>
/// Scopes on this machine's real cgroup layout (v1 or hybrid here, pure v2 elsewhere). The
/// class shares a collection with the other cgroup tests: RemoveStale must not see another
/// test's freshly created, still empty scope.
/// </summary>
[Collection(CgroupCollection.Name)]
public sealed class CgroupScopeTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    private static string UniqueName(string step) => $"test-{step}-{Guid.NewGuid():N}"[..30];

    [RootFact]
    public void Limits_land_in_the_controller_files()
    {
        var mounts = CgroupMounts.ReadCurrent();
        var limits = new ResourceLimits(ResourceLimits.ParseMemory("64m"), 32, 0.5);
        var name = UniqueName("files");
        using var scope = CgroupScope.Create(name, limits);

        Assert.All(scope.Directories, d => Assert.Equal(CgroupScope.Prefix + name, Path.GetFileName(d)));
        if (mounts.IsLegacy)
        {
            var memory = Path.Combine(mounts.Find("memory")!.CurrentDirectory, CgroupScope.Prefix + name);
            var pids = Path.Combine(mounts.Find("pids")!.CurrentDirectory, CgroupScope.Prefix + name);
            var cpu = Path.Combine(mounts.Find("cpu")!.CurrentDirectory, CgroupScope.Prefix + name);
            Assert.Contains(memory, scope.Directories);
            Assert.Equal("67108864", Read(memory, "memory.limit_in_bytes"));
            if (File.Exists(Path.Combine(memory, "memory.memsw.limit_in_bytes")))
            {
                Assert.Equal("67108864", Read(memory, "memory.memsw.limit_in_bytes"));
            }

            Assert.Equal("32", Read(pids, "pids.max"));
            Assert.Equal("50000", Read(cpu, "cpu.cfs_quota_us"));
            Assert.Equal("100000", Read(cpu, "cpu.cfs_period_us"));
            if (mounts.Find("freezer") is { } freezer)
            {
                Assert.Contains(Path.Combine(freezer.CurrentDirectory, CgroupScope.Prefix + name), scope.Directories);
            }
        }
        else
        {
            var directory = Assert.Single(scope.Directories);
            Assert.Equal("67108864", Read(directory, "memory.max"));
            Assert.Equal("32", Read(directory, "pids.max"));
            Assert.Equal("50000 100000", Read(directory, "cpu.max"));
        }
    }

    [RootFact]
    public void A_step_over_its_memory_limit_is_oom_killed()
    {
        using var scope = CgroupScope.Create(UniqueName("oom"), new ResourceLimits(MemoryBytes: ResourceLimits.ParseMemory("64m")));
        using var step = new GatedProcess("exec dd if=/dev/zero of=/dev/null bs=150M count=1");
        scope.AddProcess(step.Pid);
        Assert.False(scope.WasOomKilled);

        step.Release();
        var (exitCode, _) = step.WaitForExit(Generous);

        Assert.Equal(128 + 9, exitCode);
        Assert.True(scope.WasOomKilled);
    }

    [RootFact]
    public void A_step_under_its_memory_limit_is_not_reported_as_oom_killed()
    {
        using var scope = CgroupScope.Create(UniqueName("fits"), new ResourceLimits(MemoryBytes: ResourceLimits.ParseMemory("256m")));
        using var step = new GatedProcess("exec dd if=/dev/zero of=/dev/null bs=16M count=4");
        scope.AddProcess(step.Pid);

        step.Release();

        Assert.Equal(0, step.WaitForExit(Generous).ExitCode);
        Assert.False(scope.WasOomKilled);
    }

    [RootFact]
    public void A_fork_storm_stops_at_the_pids_limit_and_dispose_leaves_nothing()
    {
        var scope = CgroupScope.Create(UniqueName("forks"), new ResourceLimits(PidsLimit: 32));
        var directories = scope.Directories.ToList();
        using var step = new GatedProcess("for i in $(seq 100); do sleep 30 & done; wait");
        scope.AddProcess(step.Pid);
        step.Release();

        var members = WaitForStableMembers(scope);
        Assert.InRange(members.Count, 2, 32);

        scope.Dispose();

        Assert.All(members, pid => Assert.False(GatedProcess.IsAlive(pid), $"pid {pid} outlived its scope"));
        Assert.All(directories, d => Assert.False(Directory.Exists(d), $"{d} was left behind"));
        var (exitCode, stderr) = step.WaitForExit(Generous);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("fork", stderr, StringComparison.OrdinalIgnoreCase);
    }

    [RootFact]
    public void KillAll_empties_the_scope_and_it_can_be_reused()
    {
        using var scope = CgroupScope.Create(UniqueName("kill"), ResourceLimits.None);
        using var first = new GatedProcess("sleep 30 & sleep 30 & wait");
        scope.AddProcess(first.Pid);
        first.Release();
        WaitForStableMembers(scope);

        scope.KillAll();

        Assert.Empty(scope.Processes);
        Assert.Equal(128 + 9, first.WaitForExit(Generous).ExitCode);

        using var second = new GatedProcess("exit 3");
        scope.AddProcess(second.Pid);
        second.Release();
        Assert.Equal(3, second.WaitForExit(Generous).ExitCode);
    }

    [RootFact]
    public void RemoveStale_removes_an_abandoned_scope_but_not_a_live_one()
    {
        using var abandoned = CgroupScope.Create(UniqueName("stale"), new ResourceLimits(MemoryBytes: 64L << 20, PidsLimit: 16));
        using var live = CgroupScope.Create(UniqueName("live"), new ResourceLimits(PidsLimit: 16));
        using var step = new GatedProcess("sleep 30");
        live.AddProcess(step.Pid);

        var removed = CgroupScope.RemoveStale();

        Assert.True(removed >= abandoned.Directories.Count, $"removed {removed}");
        Assert.All(abandoned.Directories, d => Assert.False(Directory.Exists(d), $"{d} survived RemoveStale"));
        Assert.All(live.Directories, d => Assert.True(Directory.Exists(d), $"{d} was removed while in use"));
    }

    [RootFact]
    public void RemoveStale_leaves_an_empty_scope_whose_creator_still_runs()
    {
        // Another ibuild made this scope a moment ago and has not put its step in yet.
        using var fresh = CgroupScope.Create($"{Environment.ProcessId}-{UniqueName("fresh")}", new ResourceLimits(PidsLimit: 8));
        using var gone = System.Diagnostics.Process.Start("true")!;
        gone.WaitForExit();
        using var orphan = CgroupScope.Create($"{gone.Id}-{UniqueName("orphan")}", new ResourceLimits(PidsLimit: 8));

        CgroupScope.RemoveStale();

        Assert.All(fresh.Directories, d => Assert.True(Directory.Exists(d), $"{d} was removed while its creator runs"));
        Assert.All(orphan.Directories, d => Assert.False(Directory.Exists(d), $"{d} survived its creator"));
    }

    [RootFact]
    public void A_name_that_could_escape_the_parent_is_refused()
    {
        Assert.Throws<ArgumentException>(() => CgroupScope.Create("../escape", ResourceLimits.None));
        Assert.Throws<ArgumentException>(() => CgroupScope.Create("", ResourceLimits.None));
    }

    [RootFact]
    public void Two_scopes_of_the_same_name_cannot_coexist()
    {
        var name = UniqueName("twice");
        using var first = CgroupScope.Create(name, new ResourceLimits(PidsLimit: 8));

        Assert.Throws<CgroupException>(() => CgroupScope.Create(name, new ResourceLimits(PidsLimit: 8)));
        Assert.All(first.Directories, d => Assert.True(Directory.Exists(d)));
    }

    /// <summary>The scope's members once the count has stopped changing (the storm is over).</summary>
    private static IReadOnlyCollection<int> WaitForStableMembers(CgroupScope scope)
    {
        var deadline = DateTime.UtcNow + Generous;
        var previous = -1;
        var stableSince = DateTime.UtcNow;
        while (DateTime.UtcNow < deadline)
        {
            var members = scope.Processes;
            if (members.Count != previous)
            {
                previous = members.Count;
                stableSince = DateTime.UtcNow;
            }
            else if (members.Count > 1 && DateTime.UtcNow - stableSince > TimeSpan.FromMilliseconds(500))
            {
                return members;
            }

            Thread.Sleep(20);
        }

        throw new TimeoutException("the scope's membership never settled");
    }

    private static string Read(string directory, string file) => File.ReadAllText(Path.Combine(directory, file)).Trim();
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CgroupCollection
{
    public const string Name = "cgroups";
}
