using System.Security.Cryptography;
using System.Text.Json;
using ImageBuilder.Registry.Tests.Fixtures;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Registry;

/// <summary>A plain-HTTP docker-registry on 127.0.0.1 shared by a test class.</summary>
public sealed class PlainRegistry : IDisposable
{
    internal RegistryServer Server { get; } = RegistryServer.Available ? RegistryServer.Start(RegistryAuth.None) : null!;

    public void Dispose() => Server?.Dispose();
}

/// <summary>A docker-registry with htpasswd Basic auth over TLS, shared by a test class.</summary>
public sealed class AuthRegistry : IDisposable
{
    internal RegistryServer Server { get; } = RegistryServer.Available ? RegistryServer.Start(RegistryAuth.HtpasswdOverTls) : null!;

    public void Dispose() => Server?.Dispose();
}

/// <summary>A test that runs as root and needs docker-registry and skopeo (scripts/deps.sh installs them).</summary>
public sealed class RegistryRootFactAttribute : FactAttribute
{
    public RegistryRootFactAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Skip = "needs root (CI runs the tests as root)";
        }
        else if (!RegistryServer.Available || !File.Exists("/usr/bin/skopeo"))
        {
            Skip = "needs docker-registry, htpasswd and skopeo (scripts/deps.sh installs them)";
        }
    }
}

/// <summary>Helpers for the registry tests: unique repositories, stores checked blob by blob.</summary>
internal static class RegistryTestKit
{
    public static string Repository(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>Every file under blobs/ holds exactly the bytes its name says (no partial blob ever lands there).</summary>
    public static int AssertEveryBlobVerifies(string store)
    {
        var files = Directory.GetFiles(Path.Combine(store, "blobs", "sha256"));
        foreach (var file in files)
        {
            using var stream = File.OpenRead(file);
            Assert.Equal(Path.GetFileName(file), Convert.ToHexStringLower(SHA256.HashData(stream)));
        }

        return files.Length;
    }

    /// <summary>The diff ids of the config skopeo reads from the registry.</summary>
    public static async Task<List<string>> DiffIdsWithSkopeoAsync(string reference, params string[] options)
    {
        var config = (await Tools.Run("skopeo", ["inspect", "--config", "--tls-verify=false", .. options, $"docker://{reference}"], new Dictionary<string, string>())).Ok().Stdout;
        using var json = JsonDocument.Parse(config);
        return json.RootElement.GetProperty("rootfs").GetProperty("diff_ids").EnumerateArray().Select(d => d.GetString()!).ToList();
    }

    /// <summary>The diff ids and id of an image in a store, from <c>ibuild inspect</c>.</summary>
    public static Task<(string Id, List<string> DiffIds, List<string> Layers)> InspectAsync(string store, string image) =>
        InspectAsync(Tools.Ibuild, store, image);

    /// <summary>The same, from the <c>ibuild inspect</c> that <paramref name="ibuild"/> runs (a rootless user's, say).</summary>
    public static async Task<(string Id, List<string> DiffIds, List<string> Layers)> InspectAsync(
        Func<string[], Task<Tools.Result>> ibuild, string store, string image)
    {
        using var json = JsonDocument.Parse((await ibuild(["--root", store, "inspect", image])).Ok().Stdout);
        var root = json.RootElement;
        return (root.GetProperty("Id").GetString()!,
            root.GetProperty("Config").GetProperty("rootfs").GetProperty("diff_ids").EnumerateArray().Select(d => d.GetString()!).ToList(),
            root.GetProperty("Manifest").GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()!).ToList());
    }

    /// <summary>A store with the busybox base imported as box:1, pushed to <paramref name="reference"/>.</summary>
    public static async Task PushBusyboxAsync(string store, string reference)
    {
        (await Tools.Ibuild("--root", store, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1")).Ok();
        (await Tools.Ibuild("--root", store, "push", "box:1", reference)).Ok();
    }
}
