using ImageBuilder.Linux.Cgroups;

namespace ImageBuilder.Linux.Tests.Cgroups;

public sealed class CgroupMountsTests
{
    private const string HybridMounts = """
        30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
        34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
        38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
        40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
        """;

    private const string HybridMembership = """
        9:name=systemd:/user.slice
        8:pids:/
        6:freezer:/
        4:memory:/jobs/42
        1:cpu,cpuacct:/
        0::/user.slice
        """;

    [Fact]
    public void Hybrid_layout_is_legacy_with_this_processs_cgroup_per_hierarchy()
    {
        var mounts = CgroupMounts.Parse(HybridMounts, HybridMembership);

        Assert.True(mounts.IsLegacy);
        Assert.Equal("/sys/fs/cgroup/memory/jobs/42", mounts.Find("memory")!.CurrentDirectory);
        Assert.Equal("/sys/fs/cgroup/cpu,cpuacct", mounts.Find("cpu")!.CurrentDirectory);
        Assert.Same(mounts.Find("cpu"), mounts.Find("cpuacct"));
        Assert.Equal("/sys/fs/cgroup/pids", mounts.Find("pids")!.CurrentDirectory);
        Assert.Equal("/sys/fs/cgroup/systemd/user.slice", mounts.Find("name=systemd")!.CurrentDirectory);
        Assert.Equal("/sys/fs/cgroup/unified/user.slice", mounts.UnifiedCurrentDirectory);
        Assert.Null(mounts.Find("blkio"));
    }

    [Fact]
    public void Pure_v2_is_not_legacy()
    {
        var mounts = CgroupMounts.Parse(
            "25 22 0:23 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n",
            "0::/user.slice/user-0.slice/session-3.scope\n");

        Assert.False(mounts.IsLegacy);
        Assert.Equal("/sys/fs/cgroup", mounts.UnifiedMountPoint);
        Assert.Equal("/sys/fs/cgroup/user.slice/user-0.slice/session-3.scope", mounts.UnifiedCurrentDirectory);
    }

    [Fact]
    public void A_mounted_subtree_maps_paths_relative_to_its_root()
    {
        var mounts = CgroupMounts.Parse(
            "34 30 0:31 /docker/abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n"
            + "35 30 0:32 /docker/abc /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n",
            "4:memory:/docker/abc/build\n3:pids:/elsewhere\n");

        Assert.Equal("/sys/fs/cgroup/memory/build", mounts.Find("memory")!.CurrentDirectory);
        Assert.Equal("/sys/fs/cgroup/pids", mounts.Find("pids")!.CurrentDirectory);
    }

    [Fact]
    public void Escaped_mount_points_are_decoded()
    {
        var mounts = CgroupMounts.Parse(@"40 30 0:37 / /mnt/my\040cgroup rw - cgroup2 cgroup2 rw" + "\n", "0::/\n");

        Assert.Equal("/mnt/my cgroup", mounts.UnifiedMountPoint);
    }
}
