using System.Globalization;
using System.Text.RegularExpressions;
using ImageBuilder.IntegrationTests.Rootless;
using ImageBuilder.Linux.Rootless;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.SandboxEscapes;

/// <summary>
/// Attacks on rootless mode, run for real as an ordinary user: a step's root is the user on the
/// host, so a step that got out of its root could write everything the user owns (its home, its
/// store); a step that could give files host ids the user does not own would gain privilege; a
/// step that could mount or write the host's sysfs, procfs or cgroups would reach the host.
/// Every attempt must fail.
/// </summary>
public sealed class RootlessEscapeTests : IDisposable
{
    private readonly BuildFixture fixture = new(new RootlessUser());

    public void Dispose() => fixture.Dispose();

    [RootFact]
    public async Task A_rootless_step_cannot_write_the_users_home_or_store_through_proc_or_paths()
    {
        await fixture.ImportBaseAsync();
        var marker = Path.Combine(fixture.User.Home, $"escaped-{Guid.NewGuid():N}");
        var canary = Path.Combine(fixture.Store, "canary");
        File.WriteAllText(canary, "the user's\n");
        fixture.User.Own(canary);
        var index = Path.Combine(fixture.Store, "index.json");
        var attempts = string.Join(" ", new[] { marker, canary, index }.SelectMany(target => new[]
        {
            target, $"/proc/1/root{target}", $"/proc/self/root{target}", $"/proc/1/cwd/../../../..{target}", $"/proc/self/fd/0/../..{target}",
        }));

        var build = await fixture.BuildAsync(
            $"FROM box:1\nRUN mkdir -p {fixture.User.Home} {fixture.Store}; for t in {attempts} /proc/*/root{marker}; do "
            + "{ echo pwned >> \"$t\"; } 2>/dev/null; done; echo attempted-all\n");

        Assert.Contains(build.Ok().Stderr.Split('\n'), l => l.EndsWith(" attempted-all", StringComparison.Ordinal));
        Assert.False(File.Exists(marker), $"a step wrote {marker} on the host");
        Assert.Equal("the user's\n", File.ReadAllText(canary));
        Assert.DoesNotContain("pwned", File.ReadAllText(index));
    }

    [RootFact]
    public async Task What_a_rootless_step_owns_and_chowns_belongs_on_the_host_to_the_user_or_its_subordinate_ids_never_to_root()
    {
        await fixture.ImportBaseAsync();

        (await fixture.BuildAsync(
            "FROM box:1\nRUN --mount=type=cache,id=escape,target=/c cp /bin/busybox /c/id && chown 0:0 /c/id && chmod 4755 /c/id "
            + "&& touch /c/other && chown 1000:1000 /c/other && cp /bin/busybox /suid && chmod 4755 /suid\n", "-t", "escape:1")).Ok();

        var first = SubordinateIds.Read(SubordinateIds.UsersFile, fixture.User.Name, fixture.User.Uid)[0].Start;
        var cache = Assert.Single(Directory.GetDirectories(Path.Combine(fixture.Store, "ibuild", "cache-mounts")));
        Assert.Equal($"{fixture.User.Uid} {fixture.User.Gid} 4755", await StatAsync(Path.Combine(cache, "id")));
        Assert.Equal($"{first + 999} {SubordinateIds.Read(SubordinateIds.GroupsFile, fixture.User.Name, fixture.User.Uid)[0].Start + 999} 644", await StatAsync(Path.Combine(cache, "other")));
        var rootOwned = (await Tools.Run("find", fixture.Store, "(", "-uid", "0", "-o", "-gid", "0", ")", "-print")).Ok().Stdout;
        Assert.Empty(rootOwned);

        // The setuid bit the step set makes busybox's id run as its owner, the user: nothing gained.
        Assert.Equal(fixture.User.Uid.ToString(CultureInfo.InvariantCulture), fixture.User.RunAs(Path.Combine(cache, "id"), "-u").Stdout.Trim());
    }

    [RootTheory]
    [InlineData("host")]
    [InlineData("none")]
    [InlineData("default")]
    public async Task A_rootless_step_cannot_mount_or_write_the_hosts_sys_proc_or_cgroups(string network)
    {
        await fixture.ImportBaseAsync();
        var cgroup = $"ibuild-escape-{Guid.NewGuid():N}";
        string[] attempts =
        [
            "mount -o remount,rw /sys",
            "mount -o remount,rw /proc",
            "mount -t sysfs sysfs /mnt",
            "mount -t proc proc /mnt",
            "mount -t cgroup -o pids cgroup /mnt",
            $"mkdir /sys/fs/cgroup/pids/{cgroup}",
            $"mkdir /sys/fs/cgroup/memory/{cgroup}",
            "cat /proc/sys/kernel/hostname > /proc/sys/kernel/hostname",
            "cat /sys/kernel/uevent_helper > /sys/kernel/uevent_helper",
        ];
        var script = string.Concat(attempts.Select(a => $"if {a} 2>/dev/null; then echo escaped: {a.Replace('>', '_')}; else echo refused: {a.Replace('>', '_')}; fi; "));

        var build = (await fixture.BuildAsync($"FROM box:1\nRUN {script}echo {network}-{cgroup}\n", "--network", network)).Ok();

        // The step's own output lines ("#2 0.123 refused: …"), not the echo of its command line.
        var said = build.Stderr.Split('\n').Where(l => Regex.IsMatch(l, @"^#\d+ \d+\.\d+ ")).ToList();
        Assert.DoesNotContain(said, l => l.Contains(" escaped: ", StringComparison.Ordinal));
        Assert.Equal(attempts.Length, said.Count(l => l.Contains(" refused: ", StringComparison.Ordinal)));
        Assert.False(Directory.Exists($"/sys/fs/cgroup/pids/{cgroup}"));
        Assert.False(Directory.Exists($"/sys/fs/cgroup/memory/{cgroup}"));
    }

    private static async Task<string> StatAsync(string path) => (await Tools.Run("stat", "-c", "%u %g %a", path)).Ok().Stdout.Trim();
}
