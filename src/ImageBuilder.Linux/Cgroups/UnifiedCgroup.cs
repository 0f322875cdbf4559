using ImageBuilder.Linux.Native;

namespace ImageBuilder.Linux.Cgroups;

/// <summary>
/// A step's cgroup on cgroup v2: one directory with memory.max, memory.swap.max, pids.max and
/// cpu.max, under a parent whose cgroup.subtree_control enables the controllers it needs.
/// </summary>
internal sealed class UnifiedCgroup : ICgroupBackend
{
    private readonly string directory;

    private UnifiedCgroup(string directory) => this.directory = directory;

    public IReadOnlyList<string> Directories => [directory];

    /// <summary>The controllers the limits need, by their v2 names.</summary>
    public static List<string> ControllersFor(ResourceLimits limits)
    {
        var controllers = new List<string>();
        if (limits.MemoryBytes is not null)
        {
            controllers.Add("memory");
        }

        if (limits.PidsLimit is not null)
        {
            controllers.Add("pids");
        }

        if (limits.Cpus is not null)
        {
            controllers.Add("cpu");
        }

        return controllers;
    }

    /// <summary>
    /// Where to put step cgroups, given this process's cgroup <paramref name="current"/>:
    /// under it when possible (nesting keeps whatever limits ibuild itself runs under); but v2
    /// forbids enabling controllers for children of a non-root cgroup that holds processes (and
    /// ibuild is in it), so then a sibling under the parent, whose subtree_control already
    /// enables what ibuild's own cgroup has.
    /// </summary>
    public static string ChooseParent(string mountPoint, string current, IReadOnlyCollection<string> controllers)
    {
        if (controllers.Count == 0 || Enabled(current).IsSupersetOf(controllers))
        {
            return current;
        }

        var isRoot = Path.TrimEndingDirectorySeparator(current) == Path.TrimEndingDirectorySeparator(mountPoint);
        if (isRoot || CgroupFile.ReadProcesses(current).Count == 0)
        {
            return current;
        }

        var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(current));
        return parent is not null && parent.StartsWith(mountPoint, StringComparison.Ordinal) && Enabled(parent).IsSupersetOf(controllers)
            ? parent
            : current;
    }

    public static UnifiedCgroup Create(string parent, string directoryName, ResourceLimits limits)
    {
        var controllers = ControllersFor(limits);
        EnableControllers(parent, controllers);
        var path = Path.Combine(parent, directoryName);
        CgroupFile.CreateDirectory(path);
        try
        {
            WriteLimits(path, limits);
            return new UnifiedCgroup(path);
        }
        catch
        {
            CgroupFile.RemoveDirectory(path, TimeSpan.FromSeconds(1));
            throw;
        }
    }

    private static HashSet<string> Enabled(string cgroup) =>
        (CgroupFile.TryRead(cgroup, "cgroup.subtree_control") ?? string.Empty).Split(' ', '\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet();

    private static void EnableControllers(string parent, List<string> controllers)
    {
        var available = (CgroupFile.TryRead(parent, "cgroup.controllers") ?? string.Empty).Split(' ', '\n', StringSplitOptions.RemoveEmptyEntries);
        var missing = controllers.Except(available).ToList();
        if (missing.Count > 0)
        {
            throw new CgroupException($"the {string.Join(", ", missing)} controller(s) are not available in cgroup {parent} (cgroup.controllers: '{string.Join(' ', available)}')");
        }

        var toEnable = controllers.Except(Enabled(parent)).ToList();
        if (toEnable.Count == 0)
        {
            return;
        }

        try
        {
            CgroupFile.Write(parent, "cgroup.subtree_control", string.Join(' ', toEnable.Select(c => "+" + c)));
        }
        catch (CgroupException error)
        {
            throw new CgroupException(
                $"cannot enable {string.Join(", ", toEnable)} for children of {parent}; a non-root cgroup that holds processes cannot delegate controllers (run ibuild in a leaf of a delegated subtree)",
                error);
        }
    }

    private static void WriteLimits(string path, ResourceLimits limits)
    {
        if (limits.MemoryBytes is { } bytes)
        {
            CgroupFile.Write(path, "memory.max", bytes);

            // Absent when the kernel has no swap accounting; then there is no swap to escape to.
            if (CgroupFile.Exists(path, "memory.swap.max"))
            {
                CgroupFile.Write(path, "memory.swap.max", 0);
            }
        }

        if (limits.PidsLimit is { } pids)
        {
            CgroupFile.Write(path, "pids.max", pids);
        }

        if (limits.CpuQuotaMicroseconds is { } quota)
        {
            CgroupFile.Write(path, "cpu.max", $"{quota} {ResourceLimits.CpuPeriodMicroseconds}");
        }
    }

    public void AddProcess(int pid) => CgroupFile.Write(directory, "cgroup.procs", pid);

    /// <summary>memory.events' oom_kill counter (it counts kills in descendants too).</summary>
    public bool WasOomKilled => CgroupFile.ReadKeyed(directory, "memory.events", "oom_kill") > 0;

    public IReadOnlyCollection<int> Processes => CgroupFile.ReadProcesses(directory);

    /// <summary>
    /// cgroup.kill (Linux 5.14+) kills every member atomically, forks included. Without it:
    /// cgroup.freeze, SIGKILL each member, thaw, repeat.
    /// </summary>
    public void KillAll(TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        var canKill = CgroupFile.Exists(directory, "cgroup.kill");
        var canFreeze = CgroupFile.Exists(directory, "cgroup.freeze");
        while (Processes is { Count: > 0 } members)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new CgroupException($"processes {string.Join(", ", members)} survived SIGKILL in {directory}");
            }

            if (canKill)
            {
                CgroupFile.Write(directory, "cgroup.kill", "1");
            }
            else
            {
                KillEach(canFreeze);
            }

            Thread.Sleep(5);
        }
    }

    private void KillEach(bool freeze)
    {
        if (freeze)
        {
            CgroupFile.Write(directory, "cgroup.freeze", "1");
        }

        try
        {
            foreach (var pid in Processes)
            {
                Syscalls.KillProcess(pid);
            }
        }
        finally
        {
            if (freeze)
            {
                CgroupFile.Write(directory, "cgroup.freeze", "0");
            }
        }
    }
}
