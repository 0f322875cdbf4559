using System.Text;

namespace ImageBuilder.Linux.Cgroups;

/// <summary>One v1 hierarchy: the controllers bound to it and this process's cgroup in it.</summary>
/// <param name="Controllers">The controllers (and a "name=" tag) of the hierarchy, e.g. "cpu", "cpuacct".</param>
/// <param name="CurrentDirectory">The directory of this process's own cgroup in the hierarchy.</param>
internal sealed record LegacyHierarchy(IReadOnlySet<string> Controllers, string MountPoint, string CurrentDirectory);

/// <summary>
/// Where the cgroup filesystems are and where this process sits in them, read from
/// /proc/self/mountinfo and /proc/self/cgroup. A machine is treated as v1 (legacy or hybrid)
/// when any v1 hierarchy is mounted, and as v2 otherwise.
/// </summary>
internal sealed class CgroupMounts
{
    public CgroupMounts(IReadOnlyList<LegacyHierarchy> legacy, string? unifiedMountPoint, string? unifiedCurrentDirectory)
    {
        Legacy = legacy;
        UnifiedMountPoint = unifiedMountPoint;
        UnifiedCurrentDirectory = unifiedCurrentDirectory;
    }

    public IReadOnlyList<LegacyHierarchy> Legacy { get; }

    /// <summary>Where cgroup2 is mounted (/sys/fs/cgroup on pure v2, /sys/fs/cgroup/unified on hybrid).</summary>
    public string? UnifiedMountPoint { get; }

    /// <summary>This process's own cgroup in the v2 hierarchy.</summary>
    public string? UnifiedCurrentDirectory { get; }

    public bool IsLegacy => Legacy.Count > 0;

    public LegacyHierarchy? Find(string controller) => Legacy.FirstOrDefault(h => h.Controllers.Contains(controller));

    public static CgroupMounts ReadCurrent() =>
        Parse(File.ReadAllText("/proc/self/mountinfo"), File.ReadAllText("/proc/self/cgroup"));

    /// <summary>Builds the picture from the text of mountinfo and /proc/self/cgroup.</summary>
    public static CgroupMounts Parse(string mountInfo, string procCgroup)
    {
        // /proc/self/cgroup: "id:controllers:path"; the v2 line is "0::path".
        var memberships = new List<(HashSet<string> Controllers, string Path)>();
        string? unifiedPath = null;
        foreach (var line in procCgroup.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3)
            {
                continue;
            }

            if (parts[0] == "0" && parts[1].Length == 0)
            {
                unifiedPath = parts[2];
            }
            else
            {
                memberships.Add((parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(), parts[2]));
            }
        }

        var legacy = new List<LegacyHierarchy>();
        string? unifiedMount = null;
        string? unifiedCurrent = null;
        var seen = new HashSet<string>();
        foreach (var line in mountInfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "id parent major:minor root mountpoint options [optional...] - fstype source superoptions"
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-");
            if (separator < 5 || separator + 1 >= fields.Length)
            {
                continue;
            }

            var fsType = fields[separator + 1];
            var root = Unescape(fields[3]);
            var mountPoint = Unescape(fields[4]);
            if (fsType == "cgroup2" && unifiedMount is null)
            {
                unifiedMount = mountPoint;
                unifiedCurrent = unifiedPath is null ? mountPoint : Join(mountPoint, root, unifiedPath);
            }
            else if (fsType == "cgroup" && separator + 3 < fields.Length)
            {
                var controllers = fields[separator + 3].Split(',')
                    .Where(o => o.StartsWith("name=", StringComparison.Ordinal) || !IsMountOption(o))
                    .ToHashSet();
                var membership = memberships.FirstOrDefault(m => m.Controllers.SetEquals(controllers));
                if (controllers.Count == 0 || membership.Controllers is null || !seen.Add(string.Join(',', controllers.Order())))
                {
                    continue;
                }

                legacy.Add(new LegacyHierarchy(controllers, mountPoint, Join(mountPoint, root, membership.Path)));
            }
        }

        return new CgroupMounts(legacy, unifiedMount, unifiedCurrent);
    }

    /// <summary>
    /// The directory of cgroup <paramref name="path"/> under a mount of <paramref name="root"/>.
    /// When the path is outside what is mounted (a cgroup namespace, a bind of a subtree), the
    /// mount point itself is the best guess.
    /// </summary>
    private static string Join(string mountPoint, string root, string path)
    {
        string relative;
        if (root == "/")
        {
            relative = path;
        }
        else if (path == root || path.StartsWith(root + "/", StringComparison.Ordinal))
        {
            relative = path[root.Length..];
        }
        else
        {
            return mountPoint;
        }

        relative = relative.Trim('/');
        return relative.Length == 0 || relative.Split('/').Contains("..") ? mountPoint : Path.Combine(mountPoint, relative);
    }

    private static bool IsMountOption(string option) =>
        option is "rw" or "ro" || option.StartsWith("release_agent=", StringComparison.Ordinal)
        || option is "noprefix" or "clone_children" or "xattr" or "cpuset_v2_mode" or "nsdelegate"
        || option.Contains('=');

    /// <summary>mountinfo escapes space, tab, newline and backslash as \ooo.</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\'))
        {
            return field;
        }

        var builder = new StringBuilder();
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && field.Substring(i + 1, 3).All(c => c is >= '0' and <= '7'))
            {
                builder.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                builder.Append(field[i]);
            }
        }

        return builder.ToString();
    }
}
