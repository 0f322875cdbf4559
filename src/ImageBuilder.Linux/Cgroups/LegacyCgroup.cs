using ImageBuilder.Linux.Native;

namespace ImageBuilder.Linux.Cgroups;

/// <summary>
/// A step's cgroup on cgroup v1: one directory per hierarchy it needs (memory, pids, cpu as the
/// limits ask, and freezer whenever it is mounted so a kill cannot race forks), each created
/// under this process's own cgroup in that hierarchy.
/// </summary>
internal sealed class LegacyCgroup : ICgroupBackend
{
    private readonly List<string> directories = [];
    private string? memory;
    private string? freezer;

    private LegacyCgroup()
    {
    }

    public IReadOnlyList<string> Directories => directories;

    public static LegacyCgroup Create(CgroupMounts mounts, string directoryName, ResourceLimits limits)
    {
        var cgroup = new LegacyCgroup();
        try
        {
            cgroup.Build(mounts, directoryName, limits);
            return cgroup;
        }
        catch
        {
            cgroup.RemoveDirectories();
            throw;
        }
    }

    private void Build(CgroupMounts mounts, string directoryName, ResourceLimits limits)
    {
        if (limits.MemoryBytes is { } bytes)
        {
            memory = MakeDirectory(Require(mounts, "memory"), directoryName);
            CgroupFile.Write(memory, "memory.limit_in_bytes", bytes);

            // Without this the step could push its pages to swap and never hit the limit.
            // The file exists only when swap accounting is on; memsw must be >= the RAM limit,
            // which holds because the RAM limit was written first.
            if (CgroupFile.Exists(memory, "memory.memsw.limit_in_bytes"))
            {
                CgroupFile.Write(memory, "memory.memsw.limit_in_bytes", bytes);
            }
        }

        if (limits.PidsLimit is { } pids)
        {
            var directory = MakeDirectory(Require(mounts, "pids"), directoryName);
            CgroupFile.Write(directory, "pids.max", pids);
        }

        if (limits.CpuQuotaMicroseconds is { } quota)
        {
            var directory = MakeDirectory(Require(mounts, "cpu"), directoryName);
            CgroupFile.Write(directory, "cpu.cfs_period_us", ResourceLimits.CpuPeriodMicroseconds);
            CgroupFile.Write(directory, "cpu.cfs_quota_us", quota);
        }

        if (mounts.Find("freezer") is { } freezerHierarchy)
        {
            freezer = MakeDirectory(freezerHierarchy, directoryName);
        }

        if (directories.Count == 0)
        {
            // No limits and no freezer: the step still needs one cgroup so KillAll can find its
            // processes. pids is the cheapest controller; any hierarchy tracks membership.
            var tracking = mounts.Find("pids") ?? mounts.Legacy[0];
            MakeDirectory(tracking, directoryName);
        }
    }

    private static LegacyHierarchy Require(CgroupMounts mounts, string controller) =>
        mounts.Find(controller) ?? throw new CgroupException(
            $"a {controller} limit was asked for, but no cgroup v1 hierarchy with the {controller} controller is mounted");

    /// <summary>Creates the step's directory in a hierarchy, once even if several controllers share it (cpu,cpuacct).</summary>
    private string MakeDirectory(LegacyHierarchy hierarchy, string directoryName)
    {
        var path = Path.Combine(hierarchy.CurrentDirectory, directoryName);
        if (!directories.Contains(path))
        {
            CgroupFile.CreateDirectory(path);
            directories.Add(path);
        }

        return path;
    }

    public void AddProcess(int pid)
    {
        foreach (var directory in directories)
        {
            CgroupFile.Write(directory, "cgroup.procs", pid);
        }
    }

    /// <summary>
    /// memory.oom_control's oom_kill counter (Linux 4.13+). Older kernels lack it; there the
    /// best sign is under_oom or a nonzero failcnt (the limit was hit), which can over-report.
    /// </summary>
    public bool WasOomKilled
    {
        get
        {
            if (memory is null)
            {
                return false;
            }

            if (CgroupFile.ReadKeyed(memory, "memory.oom_control", "oom_kill") is { } kills)
            {
                return kills > 0;
            }

            return CgroupFile.ReadKeyed(memory, "memory.oom_control", "under_oom") > 0
                || CgroupFile.ReadNumber(memory, "memory.failcnt") > 0;
        }
    }

    public IReadOnlyCollection<int> Processes => directories.SelectMany(CgroupFile.ReadProcesses).ToHashSet();

    /// <summary>
    /// Freezes the step (so nothing forks between reading cgroup.procs and the kills), SIGKILLs
    /// every member, thaws so the signals are delivered, and repeats until no member is left.
    /// </summary>
    public void KillAll(TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (Processes is { Count: > 0 } members)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new CgroupException($"processes {string.Join(", ", members)} survived SIGKILL in {string.Join(", ", directories)}");
            }

            var frozen = freezer is not null && Freeze(freezer, deadline);
            try
            {
                foreach (var pid in frozen ? Processes : members)
                {
                    Syscalls.KillProcess(pid);
                }
            }
            finally
            {
                if (freezer is not null)
                {
                    CgroupFile.Write(freezer, "freezer.state", "THAWED");
                }
            }

            Thread.Sleep(5);
        }
    }

    /// <summary>Asks for FROZEN and waits briefly; a task stuck in D state can keep it FREEZING.</summary>
    private static bool Freeze(string directory, DateTime deadline)
    {
        CgroupFile.Write(directory, "freezer.state", "FROZEN");
        var wait = DateTime.UtcNow + TimeSpan.FromMilliseconds(500);
        while (CgroupFile.TryRead(directory, "freezer.state")?.Trim() != "FROZEN")
        {
            if (DateTime.UtcNow > wait || DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(1);
        }

        return true;
    }

    private void RemoveDirectories()
    {
        for (var i = directories.Count - 1; i >= 0; i--)
        {
            CgroupFile.RemoveDirectory(directories[i], TimeSpan.FromSeconds(1));
        }
    }
}
