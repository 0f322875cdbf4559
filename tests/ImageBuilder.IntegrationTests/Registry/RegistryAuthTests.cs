using System.Diagnostics;
using ImageBuilder.Registry.Tests.Fixtures;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Registry;

/// <summary>Push, pull, login and logout against a docker-registry with htpasswd Basic auth over TLS.</summary>
public sealed class RegistryAuthTests(AuthRegistry registry) : IClassFixture<AuthRegistry>, IDisposable
{
    private readonly TempDirectory dir = new("ibuild-it-registry-auth-");

    private RegistryServer Server => registry.Server;

    private string AuthFile => dir.Combine("docker", "config.json");

    public void Dispose() => dir.Dispose();

    [RegistryRootFact]
    public async Task Without_credentials_push_is_unauthorized_with_exit_code_1_then_login_makes_push_and_pull_work()
    {
        var store = dir.Combine("store");
        var reference = $"{Server.Host}/{RegistryTestKit.Repository("private")}:1";
        (await Tools.Ibuild("--root", store, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1")).Ok();

        var denied = await Tools.Ibuild("--root", store, "push", "--tls-verify=false", "--authfile", AuthFile, "box:1", reference);

        Assert.Equal(1, denied.ExitCode);
        var error = Assert.Single(denied.Stderr.TrimEnd('\n').Split('\n'), l => l.StartsWith("ibuild: ", StringComparison.Ordinal));
        Assert.EndsWith(error, denied.Stderr.TrimEnd('\n'));
        Assert.Contains("unauthorized", error);
        Assert.Contains("; tried ", error);
        Assert.Contains($"ibuild login {Server.Host}", error);

        var wrong = await Tools.Ibuild("login", "--tls-verify=false", "--authfile", AuthFile, "-u", RegistryServer.User, "-p", "not-it", Server.Host);
        Assert.Equal(1, wrong.ExitCode);
        Assert.False(File.Exists(AuthFile));

        var login = (await Tools.Ibuild("login", "--tls-verify=false", "--authfile", AuthFile, "-u", RegistryServer.User, "-p", RegistryServer.Password, Server.Host)).Ok();
        Assert.Equal("Login Succeeded\n", login.Stdout);
        Assert.Contains(Server.Host, File.ReadAllText(AuthFile));

        var digest = (await Tools.Ibuild("--root", store, "push", "--tls-verify=false", "--authfile", AuthFile, "box:1", reference)).Ok().Stdout.Trim();
        var pulled = dir.Combine("pulled");
        (await Tools.Ibuild("--root", pulled, "pull", "--tls-verify=false", "--authfile", AuthFile, reference)).Ok();
        Assert.Equal((await RegistryTestKit.InspectAsync(store, "box:1")).Id, (await RegistryTestKit.InspectAsync(pulled, reference)).Id);
        var skopeo = (await Tools.Run("skopeo", "inspect", "--tls-verify=false", "--authfile", AuthFile, "--format", "{{.Digest}}", $"docker://{reference}")).Ok();
        Assert.Equal(digest, skopeo.Stdout.Trim());

        Assert.Equal($"Removing login credentials for {Server.Host}\n", (await Tools.Ibuild("logout", "--authfile", AuthFile, Server.Host)).Ok().Stdout);
        var after = await Tools.Ibuild("--root", dir.Combine("again"), "pull", "--tls-verify=false", "--authfile", AuthFile, reference);
        Assert.Equal(1, after.ExitCode);
        Assert.Contains("unauthorized", after.Stderr);
    }

    [RegistryRootFact]
    public async Task The_ibuild_process_reads_credentials_from_DOCKER_CONFIG()
    {
        var reference = $"{Server.Host}/{RegistryTestKit.Repository("envcfg")}:1";
        var config = Directory.CreateDirectory(dir.Combine("docker-config")).FullName;
        var auth = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{RegistryServer.User}:{RegistryServer.Password}"));
        File.WriteAllText(Path.Combine(config, "config.json"), "{\"auths\":{\"" + Server.Host + "\":{\"auth\":\"" + auth + "\"}}}");
        var store = dir.Combine("store");
        (await Tools.Ibuild("--root", store, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1")).Ok();

        var push = await RunProcessAsync(new Dictionary<string, string> { ["DOCKER_CONFIG"] = config }, "--root", store, "push", "--tls-verify=false", "box:1", reference);
        var anonymous = await RunProcessAsync(new Dictionary<string, string> { ["DOCKER_CONFIG"] = dir.Combine("empty") }, "--root", dir.Combine("s2"), "pull", "--tls-verify=false", reference);

        Assert.Equal(0, push.ExitCode);
        Assert.StartsWith("sha256:", push.Stdout);
        Assert.Equal(1, anonymous.ExitCode);
        Assert.Contains("unauthorized", anonymous.Stderr);
    }

    private static async Task<Tools.Result> RunProcessAsync(Dictionary<string, string> environment, params string[] args)
    {
        var info = Tools.IbuildProcess(args);
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new Tools.Result(process.ExitCode, await stdout, await stderr);
    }
}
