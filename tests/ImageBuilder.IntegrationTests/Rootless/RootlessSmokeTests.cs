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
}
