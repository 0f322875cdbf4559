using ImageBuilder.Linux.Rootless;

namespace ImageBuilder.Linux.Tests.Rootless;

/// <summary>The command line rootless ibuild re-executes itself with, and what it says first.</summary>
public sealed class UserNamespaceEntryTests
{
    private static readonly string[] Self = ["/usr/bin/ibuild", "build", "."];

    [Fact]
    public void With_subordinate_ids_unshare_maps_root_and_the_first_range_without_a_warning()
    {
        var plan = UserNamespaceEntry.Plan(
            Self, "/usr/bin/unshare", "alice", 1000, 1000, [new(165536, 65536), new(900000, 10)], [new(265536, 65536)], idMapToolsInstalled: true);

        Assert.Null(plan.Warning);
        Assert.Equal(
            ["/usr/bin/unshare", "--user", "--mount", "--propagation", "private", "--map-root-user",
                "--map-users=165536,1,65536", "--map-groups=265536,1,65536", "--", "/usr/bin/ibuild", "build", "."],
            plan.Argv);
    }

    [Fact]
    public void The_plan_knows_the_maps_the_kernel_will_show_in_the_namespace()
    {
        // What /proc/self/uid_map and gid_map read inside: ibuild outside the namespace claims and
        // checks the store with these, and the store must take them for the namespace's own.
        var plan = UserNamespaceEntry.Plan(Self, "/usr/bin/unshare", "alice", 1001, 1002, [new(165536, 65536)], [new(265536, 65536)], idMapToolsInstalled: true);

        Assert.Equal(IdMap.Parse("0 1001 1\n1 165536 65536").ToString(), plan.Users.ToString());
        Assert.Equal(IdMap.Parse("0 1002 1\n1 265536 65536").ToString(), plan.Groups.ToString());

        var single = UserNamespaceEntry.Plan(Self, "/usr/bin/unshare", "alice", 1001, 1002, [], [], idMapToolsInstalled: true);
        Assert.Equal("0→1001 (1)", single.Users.ToString());
        Assert.Equal("0→1002 (1)", single.Groups.ToString());
    }

    [Fact]
    public void Without_subordinate_ids_only_root_is_mapped_and_the_warning_names_the_files_and_the_fix()
    {
        var plan = UserNamespaceEntry.Plan(Self, "/usr/bin/unshare", "alice", 1000, 1000, [], [], idMapToolsInstalled: true);

        Assert.DoesNotContain(plan.Argv, a => a.StartsWith("--map-users", StringComparison.Ordinal) || a.StartsWith("--map-groups", StringComparison.Ordinal));
        Assert.Contains("--map-root-user", plan.Argv);
        Assert.Equal(Self, plan.Argv.Skip(plan.Argv.ToList().IndexOf("--") + 1));
        Assert.NotNull(plan.Warning);
        Assert.Contains("alice has no subordinate ids in /etc/subuid and /etc/subgid", plan.Warning);
        Assert.Contains("usermod --add-subuids 100000-165535 --add-subgids 100000-165535 alice", plan.Warning);
        Assert.DoesNotContain("uidmap", plan.Warning);
    }

    [Fact]
    public void Subordinate_uids_without_gids_are_not_enough()
    {
        var plan = UserNamespaceEntry.Plan(Self, "/usr/bin/unshare", "alice", 1000, 1000, [new(165536, 65536)], [], idMapToolsInstalled: true);

        Assert.DoesNotContain(plan.Argv, a => a.StartsWith("--map-users", StringComparison.Ordinal));
        Assert.Contains("no subordinate ids", plan.Warning);
    }

    [Fact]
    public void Without_newuidmap_the_warning_names_the_uidmap_package()
    {
        var plan = UserNamespaceEntry.Plan(Self, "/usr/bin/unshare", "alice", 1000, 1000, [new(165536, 65536)], [new(165536, 65536)], idMapToolsInstalled: false);

        Assert.DoesNotContain(plan.Argv, a => a.StartsWith("--map-users", StringComparison.Ordinal));
        Assert.NotNull(plan.Warning);
        Assert.Contains("newuidmap and newgidmap are missing (Debian package uidmap)", plan.Warning);
        Assert.Contains("apt-get install uidmap", plan.Warning);
    }

    [Theory]
    [InlineData("/proc/sys/user/max_user_namespaces", "0\n", "max_user_namespaces is 0")]
    [InlineData("/proc/sys/kernel/unprivileged_userns_clone", "0\n", "unprivileged_userns_clone=1")]
    [InlineData("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1\n", "AppArmor")]
    public void A_kernel_that_refuses_user_namespaces_is_named_before_unshare_fails(string setting, string value, string named)
    {
        var why = UserNamespaceEntry.WhyUnavailable(path => path == setting ? value : null);

        Assert.NotNull(why);
        Assert.Contains(named, why);
        Assert.Contains("or run it as root", why);
    }

    [Fact]
    public void A_kernel_that_allows_user_namespaces_is_not_refused()
    {
        var settings = new Dictionary<string, string>
        {
            ["/proc/sys/user/max_user_namespaces"] = "96369\n",
            ["/proc/sys/kernel/unprivileged_userns_clone"] = "1\n",
            ["/proc/sys/kernel/apparmor_restrict_unprivileged_userns"] = "0\n",
        };

        Assert.Null(UserNamespaceEntry.WhyUnavailable(path => settings.GetValueOrDefault(path)));
        Assert.Null(UserNamespaceEntry.WhyUnavailable(_ => null));
    }
}
