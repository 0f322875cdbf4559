using ImageBuilder.Core.Store;

namespace ImageBuilder.Core.Tests.Store;

/// <summary>
/// Where the store is when <c>--root</c> is not given: root's under /var/lib, an ordinary user's
/// under its home, as Podman's. The variables come from a dictionary, never from this process's
/// environment, which tests running in parallel share.
/// </summary>
public sealed class DefaultRootTests
{
    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Root_without_anything_set_uses_var_lib_ibuild_whatever_the_home()
    {
        Assert.Equal("/var/lib/ibuild", ContentStore.DefaultRoot(null, rootless: false, Environment(("HOME", "/root"), ("XDG_DATA_HOME", "/root/data"))));
    }

    [Fact]
    public void A_rootless_user_without_xdg_data_home_uses_local_share_under_home()
    {
        Assert.Equal("/home/alice/.local/share/ibuild", ContentStore.DefaultRoot(null, rootless: true, Environment(("HOME", "/home/alice"))));
    }

    [Fact]
    public void A_rootless_user_with_xdg_data_home_uses_it()
    {
        Assert.Equal("/data/alice/ibuild", ContentStore.DefaultRoot(null, rootless: true, Environment(("HOME", "/home/alice"), ("XDG_DATA_HOME", "/data/alice"))));
    }

    [Theory]
    [InlineData("")]
    [InlineData("relative/data")]
    public void An_empty_or_relative_xdg_data_home_is_ignored(string dataHome)
    {
        Assert.Equal("/home/alice/.local/share/ibuild", ContentStore.DefaultRoot(null, rootless: true, Environment(("HOME", "/home/alice"), ("XDG_DATA_HOME", dataHome))));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Ibuild_root_wins_over_the_defaults_in_both_modes(bool rootless)
    {
        Assert.Equal("/srv/store", ContentStore.DefaultRoot(null, rootless, Environment(("IBUILD_ROOT", "/srv/store"), ("HOME", "/home/alice"), ("XDG_DATA_HOME", "/data"))));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_root_option_wins_over_everything(bool rootless)
    {
        Assert.Equal("/opt/s", ContentStore.DefaultRoot("/opt/s", rootless, Environment(("IBUILD_ROOT", "/srv/store"), ("HOME", "/home/alice"))));
    }

    [Fact]
    public void An_empty_ibuild_root_is_unset()
    {
        Assert.Equal("/home/alice/.local/share/ibuild", ContentStore.DefaultRoot(null, rootless: true, Environment(("IBUILD_ROOT", ""), ("HOME", "/home/alice"))));
    }
}
