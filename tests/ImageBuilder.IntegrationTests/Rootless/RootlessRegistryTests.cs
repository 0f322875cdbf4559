using System.Globalization;
using ImageBuilder.IntegrationTests.Registry;
using ImageBuilder.Registry.Tests.Fixtures;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Rootless;

/// <summary>
/// login, push, pull and logout as an ordinary user against the real docker-registry (Basic auth
/// over TLS on 127.0.0.1: the rootless ibuild stays in the host's network namespace). The
/// credentials are the user's own ~/.docker/config.json; what it pushes, root and skopeo read back.
/// </summary>
public sealed class RootlessRegistryTests(AuthRegistry registry) : IClassFixture<AuthRegistry>, IDisposable
{
    private readonly TempDirectory dir = new("ibuild-rootless-registry-");
    private readonly Lazy<RootlessUser> user = new(() => new RootlessUser());

    private RegistryServer Server => registry.Server;

    private RootlessUser User => user.Value;

    private string AuthFile => Path.Combine(User.Home, ".docker", "config.json");

    public void Dispose() => dir.Dispose();

    [RegistryRootFact]
    public async Task A_rootless_user_logs_in_pushes_pulls_and_logs_out_with_its_own_docker_config()
    {
        User.Own(dir.Path);
        var store = dir.Combine("store");
        var reference = $"{Server.Host}/{RegistryTestKit.Repository("rootless")}:1";
        await BuildAsync(store);

        var login = (await User.Ibuild("login", "--tls-verify=false", "-u", RegistryServer.User, "-p", RegistryServer.Password, Server.Host)).Ok();

        Assert.Equal("Login Succeeded\n", login.Stdout);
        Assert.Contains(Server.Host, File.ReadAllText(AuthFile));
        var uid = User.Uid.ToString(CultureInfo.InvariantCulture);
        var gid = User.Gid.ToString(CultureInfo.InvariantCulture);
        Assert.Equal($"{uid}:{gid}\n{uid}:{gid}", (await Tools.Run("stat", "-c", "%u:%g", Path.GetDirectoryName(AuthFile)!, AuthFile)).Ok().Stdout.Trim());

        var digest = (await User.Ibuild("--root", store, "push", "--tls-verify=false", "app:1", reference)).Ok().Stdout.Trim();

        var skopeo = (await Tools.Run("skopeo", "inspect", "--tls-verify=false", "--authfile", AuthFile, "--format", "{{.Digest}}", $"docker://{reference}")).Ok();
        Assert.Equal(digest, skopeo.Stdout.Trim());
        var id = (await RegistryTestKit.InspectAsync(User.Ibuild, store, "app:1")).Id;
        var rootStore = dir.Combine("root-store");
        (await Tools.Ibuild("--root", rootStore, "pull", "--tls-verify=false", "--authfile", AuthFile, reference)).Ok();
        Assert.Equal(id, (await RegistryTestKit.InspectAsync(rootStore, reference)).Id);
        Assert.Equal("1234:5678 /a.txt\n", (await Tools.Ibuild("--root", rootStore, "run", reference, "stat", "-c", "%u:%g %n", "/a.txt")).Ok().Stdout);

        var pulled = dir.Combine("pulled");
        (await User.Ibuild("--root", pulled, "pull", "--tls-verify=false", reference)).Ok();
        Assert.Equal(id, (await RegistryTestKit.InspectAsync(User.Ibuild, pulled, reference)).Id);
        Assert.Equal("1234:5678 /a.txt\n", (await User.Ibuild("--root", pulled, "run", reference, "stat", "-c", "%u:%g %n", "/a.txt")).Ok().Stdout);

        Assert.Equal($"Removing login credentials for {Server.Host}\n", (await User.Ibuild("logout", Server.Host)).Ok().Stdout);
        Assert.DoesNotContain(Server.Host, File.ReadAllText(AuthFile));
        Assert.Equal($"{uid}:{gid}", (await Tools.Run("stat", "-c", "%u:%g", AuthFile)).Ok().Stdout.Trim());
        var anonymous = await User.Ibuild("--root", dir.Combine("again"), "pull", "--tls-verify=false", reference);
        Assert.Equal(1, anonymous.ExitCode);
        Assert.Contains("unauthorized", anonymous.Stderr);
    }

    /// <summary>box:1 and app:1 (a file of uid 1234, gid 5678 on box) in a store of the user's.</summary>
    private async Task BuildAsync(string store)
    {
        (await User.Ibuild("--root", store, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1")).Ok();
        var context = Directory.CreateDirectory(dir.Combine("context")).FullName;
        File.WriteAllText(Path.Combine(context, "Dockerfile"), "FROM box:1\nCOPY --chown=1234:5678 a.txt /a.txt\n");
        File.WriteAllText(Path.Combine(context, "a.txt"), "pushed\n");
        User.Own(context);
        (await User.Ibuild("--root", store, "build", "-t", "app:1", context)).Ok();
    }
}
