using ImageBuilder.Linux.Cgroups;

namespace ImageBuilder.Linux.Tests.Cgroups;

/// <summary>Whether rootless ibuild can give steps resource limits: only in a cgroup v2 subtree delegated to the user.</summary>
public sealed class RootlessLimitsDecisionTests
{
    private const string UserScope = "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/run-1.scope";
    private const string UserService = "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice";

    private static CgroupMounts Unified(string? current) => new([], "/sys/fs/cgroup", current);

    [Fact]
    public void Cgroup_v1_says_v1_and_that_a_delegated_v2_subtree_is_needed()
    {
        var mounts = CgroupMounts.Parse(
            "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n",
            "4:memory:/user.slice\n0::/user.slice\n");

        var why = CgroupScope.WhyLimitsUnavailableRootless(mounts, _ => true);

        Assert.NotNull(why);
        Assert.Contains("cgroup v1", why);
        Assert.Contains("cgroup v2 subtree delegated to your user", why);
        Assert.Contains("--memory", why);
    }

    [Fact]
    public void V2_with_a_writable_subtree_control_in_ibuilds_own_cgroup_allows_limits()
    {
        Assert.Null(CgroupScope.WhyLimitsUnavailableRootless(Unified(UserScope), path => path == UserScope + "/cgroup.subtree_control"));
    }

    [Fact]
    public void V2_with_a_writable_subtree_control_in_the_parent_allows_limits()
    {
        Assert.Null(CgroupScope.WhyLimitsUnavailableRootless(Unified(UserScope), path => path == UserService + "/cgroup.subtree_control"));
    }

    [Fact]
    public void V2_where_nothing_is_writable_says_the_cgroup_is_not_delegated()
    {
        var asked = new List<string>();

        var why = CgroupScope.WhyLimitsUnavailableRootless(Unified(UserScope), path =>
        {
            asked.Add(path);
            return false;
        });

        Assert.NotNull(why);
        Assert.Contains($"the cgroup ibuild runs in ({UserScope}) is not delegated to you", why);
        Assert.Contains("systemd-run --user --scope", why);
        Assert.Equal([UserScope + "/cgroup.subtree_control", UserService + "/cgroup.subtree_control"], asked);
    }

    [Fact]
    public void V2_in_the_root_cgroup_never_looks_above_the_mount()
    {
        var asked = new List<string>();

        var why = CgroupScope.WhyLimitsUnavailableRootless(Unified("/sys/fs/cgroup"), path =>
        {
            asked.Add(path);
            return !path.StartsWith("/sys/fs/cgroup/", StringComparison.Ordinal);
        });

        Assert.NotNull(why);
        Assert.Equal(["/sys/fs/cgroup/cgroup.subtree_control"], asked);
    }

    [Fact]
    public void No_cgroup2_mount_at_all_says_none()
    {
        var why = CgroupScope.WhyLimitsUnavailableRootless(new CgroupMounts([], null, null), _ => true);

        Assert.NotNull(why);
        Assert.Contains("(none)", why);
    }
}
