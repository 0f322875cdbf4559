using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Rootless;

/// <summary>The rootless basics: an ordinary user's ibuild enters its user namespace and keeps its store at home.</summary>
public sealed class RootlessSmokeTests
{
    [RootFact]
    public async Task An_ordinary_users_store_is_under_its_home_and_belongs_to_it()
    {
        var user = new RootlessUser();
        (await user.Ibuild("images")).Ok();

        Assert.True(File.Exists(Path.Combine(user.DefaultStore, "oci-layout")));
        Assert.Equal(user.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture), (await Tools.Run("stat", "-c", "%u", user.DefaultStore)).Stdout.Trim());
    }

    [RootFact]
    public async Task Info_run_by_an_ordinary_user_says_rootless_with_its_id_maps_and_store()
    {
        var user = new RootlessUser();

        var output = (await user.Ibuild("info")).Ok().Stdout;

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToDictionary(l => l[..l.IndexOf(':')], l => l[18..]);
        Assert.StartsWith($"rootless (user {user.Name}, uid {user.Uid}", lines["mode"], StringComparison.Ordinal);
        Assert.Equal(user.DefaultStore, lines["store"]);
        var subordinate = File.ReadAllLines("/etc/subuid").Single(l => l.StartsWith(user.Name + ":", StringComparison.Ordinal)).Split(':');
        Assert.Equal($"0→{user.Uid} (1), 1→{subordinate[1]} ({subordinate[2]})", lines["uid map"]);
        Assert.Contains("user.overlay.*", lines["overlayfs"]);
        // Only a delegated cgroup v2 subtree gives an ordinary user limits; cgroup v1 never does.
        Assert.Equal(lines["cgroups"].StartsWith("v1", StringComparison.Ordinal), lines["resource limits"].StartsWith("unavailable:", StringComparison.Ordinal));
    }
}
