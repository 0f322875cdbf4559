using System.Globalization;
using ImageBuilder.Linux.Cgroups;
using ImageBuilder.Linux.Rootless;

namespace ImageBuilder.Linux;

/// <summary>
/// What this machine offers the features ibuild uses, read from /proc and /sys without changing
/// anything: the facts <c>ibuild info</c> prints for a bug report.
/// </summary>
public sealed record HostFacts(
    string KernelRelease,
    string CgroupLayout,
    string? LimitsUnavailable,
    bool Overlay,
    bool OverlayLowerDirPlus,
    long MaxUserNamespaces,
    IReadOnlyList<SubordinateRange> SubordinateUids,
    IReadOnlyList<SubordinateRange> SubordinateGids,
    string? NetworkStack,
    bool TunDeviceUsable)
{
    /// <summary>Reads the facts for the user who started ibuild (<see cref="HostMode.OutsideUid"/>).</summary>
    public static HostFacts Read(HostMode mode)
    {
        var uid = mode.OutsideUid;
        var userName = mode.OutsideUserName;
        var release = (SystemFile.ReadOrNull("/proc/sys/kernel/osrelease") ?? "unknown").Trim();
        return new HostFacts(
            release,
            CgroupLayoutName(),
            CgroupScope.WhyLimitsUnavailable(),
            (SystemFile.ReadOrNull("/proc/filesystems") ?? "").Split('\n').Any(line => line.EndsWith("\toverlay", StringComparison.Ordinal)),
            AtLeast(release, 6, 8),
            long.TryParse(SystemFile.ReadOrNull("/proc/sys/user/max_user_namespaces")?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var max) ? max : -1,
            SubordinateIds.Read(SubordinateIds.UsersFile, userName, uid),
            SubordinateIds.Read(SubordinateIds.GroupsFile, userName, uid),
            ProgramPath.Find(Network.PrivateNetwork.StackProgram),
            Native.Syscalls.CanAccess("/dev/net/tun", read: true, write: true));
    }

    /// <summary>"6.18.0-foo" is at least 6.8.</summary>
    internal static bool AtLeast(string release, int major, int minor)
    {
        var parts = release.Split('.', '-');
        return parts.Length >= 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var a)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var b)
            && (a > major || (a == major && b >= minor));
    }

    private static string CgroupLayoutName()
    {
        try
        {
            var mounts = CgroupMounts.ReadCurrent();
            return mounts.IsLegacy
                ? mounts.UnifiedMountPoint is null ? "v1 (legacy)" : "v1 (hybrid: v1 controllers, cgroup2 at " + mounts.UnifiedMountPoint + ")"
                : mounts.UnifiedMountPoint is null ? "none mounted" : $"v2 ({mounts.UnifiedCurrentDirectory})";
        }
        catch (IOException e)
        {
            return $"unreadable ({e.Message})";
        }
    }
}
