namespace ImageBuilder.Linux.Cgroups;

/// <summary>One step's cgroup on one cgroup version: v1 spreads it over several hierarchies, v2 has one directory.</summary>
internal interface ICgroupBackend
{
    /// <summary>Every directory the step's cgroup owns, in creation order.</summary>
    IReadOnlyList<string> Directories { get; }

    void AddProcess(int pid);

    bool WasOomKilled { get; }

    /// <summary>The pids currently in the cgroup (across every hierarchy on v1).</summary>
    IReadOnlyCollection<int> Processes { get; }

    void KillAll(TimeSpan patience);
}
