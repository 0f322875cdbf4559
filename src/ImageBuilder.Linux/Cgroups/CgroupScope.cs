using ImageBuilder.Core.Store;

namespace ImageBuilder.Linux.Cgroups;

/// <summary>
/// The cgroup one build step runs in: it applies the step's <see cref="ResourceLimits"/>,
/// tells whether the step was OOM-killed, and guarantees that nothing the step started
/// outlives it.
/// </summary>
/// <remarks>
/// <para>Placement: a step's cgroup (<c>ibuild-&lt;name&gt;</c>) is created under the cgroup
/// ibuild itself runs in, per hierarchy, not under the controller root. Nesting means a limit
/// ibuild runs under (a CI job's memory cap, a container's cgroup) still bounds every step, it
/// works inside containers and delegated subtrees where the root is not writable, and
/// concurrent ibuild processes in different cgroups cannot collide. On v1 nesting is always
/// allowed. On v2 a non-root cgroup with processes in it (ibuild's own) cannot enable
/// controllers for children, so there the scope goes next to ibuild's cgroup, under its parent,
/// when the parent already delegates the needed controllers (see
/// <see cref="UnifiedCgroup.ChooseParent"/>).</para>
/// <para>v1 is used whenever a v1 hierarchy is mounted (legacy or hybrid layout, where the
/// controllers live on v1); v2 only on a pure cgroup2 system.</para>
/// </remarks>
public sealed class CgroupScope : IDisposable
{
    /// <summary>The prefix of every cgroup ibuild creates; <see cref="RemoveStale"/> looks for nothing else.</summary>
    public const string Prefix = "ibuild-";

    private static readonly TimeSpan KillPatience = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RemovePatience = TimeSpan.FromSeconds(5);

    private readonly ICgroupBackend backend;
    private bool disposed;

    private CgroupScope(string name, ICgroupBackend backend)
    {
        Name = name;
        this.backend = backend;
    }

    /// <summary>The step name the scope was created for (without the prefix).</summary>
    public string Name { get; }

    /// <summary>Every cgroup directory the scope owns (several on v1, one on v2).</summary>
    public IReadOnlyList<string> Directories => backend.Directories;

    /// <summary>True once the kernel's OOM killer has killed a process of the step.</summary>
    public bool WasOomKilled => backend.WasOomKilled;

    /// <summary>The pids in the scope right now.</summary>
    public IReadOnlyCollection<int> Processes => backend.Processes;

    /// <summary>
    /// Why steps cannot get resource limits on this machine, or null when they can. Root always
    /// can. Rootless ibuild can only through a cgroup v2 subtree delegated to the user (systemd
    /// delegates user@UID.service): cgroup v1 lets no ordinary user create cgroups.
    /// </summary>
    public static string? WhyLimitsUnavailable() =>
        Rootless.HostMode.Current.Rootless ? WhyLimitsUnavailableRootless(CgroupMounts.ReadCurrent(), path => Native.Syscalls.CanAccess(path, read: false, write: true)) : null;

    /// <summary>
    /// The rootless decision, on the cgroup layout <paramref name="mounts"/> with
    /// <paramref name="canWrite"/> telling whether a cgroup file may be written: limits need
    /// cgroup v2 and write access to <c>cgroup.subtree_control</c> of ibuild's own cgroup or of
    /// its parent (where <see cref="UnifiedCgroup.ChooseParent"/> may put the scope).
    /// </summary>
    internal static string? WhyLimitsUnavailableRootless(CgroupMounts mounts, Func<string, bool> canWrite)
    {
        const string Asked = "resource limits (--memory, --pids-limit, --cpus) rootless need a cgroup v2 subtree delegated to your user";
        if (mounts.IsLegacy)
        {
            return $"{Asked}; this machine uses cgroup v1, where only root can create cgroups. Use ibuild as root, or leave the limits out";
        }

        if (mounts.UnifiedCurrentDirectory is not { } current
            || !(canWrite(Path.Combine(current, "cgroup.subtree_control"))
                || (Path.GetDirectoryName(current) is { } parent && parent.StartsWith(mounts.UnifiedMountPoint ?? "/", StringComparison.Ordinal)
                    && canWrite(Path.Combine(parent, "cgroup.subtree_control")))))
        {
            return $"{Asked}; the cgroup ibuild runs in ({mounts.UnifiedCurrentDirectory ?? "none"}) is not delegated to you "
                + "(run it in a systemd user session, e.g. systemd-run --user --scope ibuild …), or leave the limits out";
        }

        return null;
    }

    /// <summary>Creates <c>ibuild-&lt;name&gt;</c> with the limits set, for the cgroup layout of this machine.</summary>
    public static CgroupScope Create(string name, ResourceLimits limits) => Create(name, limits, CgroupMounts.ReadCurrent());

    internal static CgroupScope Create(string name, ResourceLimits limits, CgroupMounts mounts)
    {
        var directoryName = DirectoryNameFor(name, limits);
        if (mounts.IsLegacy)
        {
            return new CgroupScope(name, LegacyCgroup.Create(mounts, directoryName, limits));
        }

        if (mounts.UnifiedMountPoint is null || mounts.UnifiedCurrentDirectory is null)
        {
            throw new CgroupException("no cgroup filesystem is mounted (neither v1 hierarchies nor cgroup2)");
        }

        var parent = UnifiedCgroup.ChooseParent(mounts.UnifiedMountPoint, mounts.UnifiedCurrentDirectory, UnifiedCgroup.ControllersFor(limits));
        return new CgroupScope(name, UnifiedCgroup.Create(parent, directoryName, limits));
    }

    /// <summary>Creates a v2 scope under an explicit parent cgroup directory (tests, or a caller that manages placement).</summary>
    internal static CgroupScope CreateUnified(string parent, string name, ResourceLimits limits) =>
        new(name, UnifiedCgroup.Create(parent, DirectoryNameFor(name, limits), limits));

    private static string DirectoryNameFor(string name, ResourceLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        if (string.IsNullOrEmpty(name) || name.Length > 200 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException($"'{name}' is not a usable cgroup name: use 1-200 ASCII letters, digits, '-', '_' or '.'", nameof(name));
        }

        return Prefix + name;
    }

    /// <summary>Moves <paramref name="pid"/> (and, on v1, only that process; threads follow) into the scope.</summary>
    public void AddProcess(int pid)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        backend.AddProcess(pid);
    }

    /// <summary>SIGKILLs every process in the scope, repeating until it is empty.</summary>
    public void KillAll()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        backend.KillAll(KillPatience);
    }

    /// <summary>Kills whatever is left and removes every directory of the scope.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        backend.KillAll(KillPatience);
        var stuck = backend.Directories.Reverse().Where(d => !CgroupFile.RemoveDirectory(d, RemovePatience)).ToList();
        if (stuck.Count > 0)
        {
            throw new CgroupException($"could not remove cgroup(s) {string.Join(", ", stuck)}; RemoveStale will retry at the next start");
        }
    }

    /// <summary>
    /// Removes <c>ibuild-*</c> cgroups left by an ibuild that was killed before it could clean
    /// up: those with no process left, in every place <see cref="Create(string, ResourceLimits)"/>
    /// puts scopes. Returns how many directories it removed. Call it at start, before creating
    /// scopes: a scope another ibuild created a moment ago and has not yet filled would look
    /// abandoned too.
    /// </summary>
    public static int RemoveStale() => RemoveStale(CgroupMounts.ReadCurrent());

    internal static int RemoveStale(CgroupMounts mounts)
    {
        var parents = new HashSet<string>(mounts.Legacy.Select(h => h.CurrentDirectory));
        if (!mounts.IsLegacy && mounts.UnifiedCurrentDirectory is { } current)
        {
            parents.Add(current);
            if (Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(current)) is { } parent
                && mounts.UnifiedMountPoint is { } mountPoint && parent.StartsWith(mountPoint, StringComparison.Ordinal))
            {
                parents.Add(parent);
            }
        }

        return parents.Sum(RemoveStaleUnder);
    }

    internal static int RemoveStaleUnder(string parent)
    {
        string[] candidates;
        try
        {
            candidates = Directory.GetDirectories(parent, Prefix + "*");
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return 0;
        }

        var removed = 0;
        foreach (var candidate in candidates)
        {
            // A cgroup with members, or with child cgroups, belongs to something still running;
            // so does one whose creator (the pid its name starts with) is alive: another ibuild
            // may have just made it and not yet put its step in.
            if (CgroupFile.ReadProcesses(candidate).Count > 0 || Directory.GetDirectories(candidate).Length > 0
                || CreatorIsAlive(Path.GetFileName(candidate)))
            {
                continue;
            }

            // A v1 freezer left FROZEN would hold nothing now, but thaw it for tidiness' sake.
            try
            {
                if (CgroupFile.TryRead(candidate, "freezer.state")?.Trim() is "FROZEN" or "FREEZING")
                {
                    CgroupFile.Write(candidate, "freezer.state", "THAWED");
                }

                if (CgroupFile.RemoveDirectory(candidate, TimeSpan.FromMilliseconds(200)))
                {
                    removed++;
                }
            }
            catch (Exception error) when (error is CgroupException or IOException or UnauthorizedAccessException)
            {
                // Not ours to fight over at start-up: leave it for the next run.
            }
        }

        return removed;
    }

    /// <summary>Whether the process whose id starts the cgroup's name (<c>ibuild-PID-…</c>) still runs.</summary>
    internal static bool CreatorIsAlive(string name)
    {
        var rest = name.StartsWith(Prefix, StringComparison.Ordinal) ? name[Prefix.Length..] : name;
        var dash = rest.IndexOf('-');
        return ProcessOwner.ParsePid(dash < 0 ? rest : rest[..dash]) is { } pid && ProcessOwner.IsRunning(pid);
    }
}
