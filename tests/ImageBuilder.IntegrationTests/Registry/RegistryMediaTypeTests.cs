using System.Formats.Tar;
using System.Text.Json;
using ImageBuilder.Registry.Tests.Fixtures;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Registry;

/// <summary>
/// A build FROM an image with Docker media types (pushed by skopeo as v2s2) writes manifests of one
/// family: the pushed image, the saved archives. skopeo (into a docker archive and an OCI layout)
/// and podman read what was pushed.
/// </summary>
public sealed class RegistryMediaTypeTests(PlainRegistry registry) : IClassFixture<PlainRegistry>, IDisposable
{
    private const string DockerPrefix = "application/vnd.docker.";
    private const string OciPrefix = "application/vnd.oci.";
    private readonly TempDirectory dir = new("ibuild-it-mediatypes-");

    private RegistryServer Server => registry.Server;

    public void Dispose() => dir.Dispose();

    /// <summary>The media types of a manifest: its own, its config's and its layers'.</summary>
    private static List<string> MediaTypesOf(string manifest)
    {
        using var json = JsonDocument.Parse(manifest);
        var root = json.RootElement;
        return [root.GetProperty("mediaType").GetString()!, root.GetProperty("config").GetProperty("mediaType").GetString()!,
            .. root.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("mediaType").GetString()!)];
    }

    private static void AssertOneFamily(string prefix, string manifest)
    {
        var types = MediaTypesOf(manifest);
        Assert.True(types.All(t => t.StartsWith(prefix, StringComparison.Ordinal)), $"not all {prefix}*: {string.Join(", ", types)}");
    }

    private static async Task<string> RawManifestAsync(string reference) =>
        (await Tools.Run("skopeo", "inspect", "--raw", "--tls-verify=false", $"docker://{reference}")).Ok().Stdout;

    /// <summary>The manifest an OCI layout's index.json names first.</summary>
    private static string LayoutManifest(string layout)
    {
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(layout, "index.json")));
        var digest = index.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString()!;
        return File.ReadAllText(Path.Combine(layout, "blobs", "sha256", digest["sha256:".Length..]));
    }

    [RegistryRootFact]
    public async Task A_build_over_a_docker_typed_base_pushes_one_family_that_skopeo_and_podman_read()
    {
        var baseRef = $"{Server.Host}/{RegistryTestKit.Repository("v2s2base")}:1";
        var appRef = $"{Server.Host}/{RegistryTestKit.Repository("v2s2app")}:1";
        var publisher = dir.Combine("publisher");
        (await Tools.Ibuild("--root", publisher, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1")).Ok();
        (await Tools.Ibuild("--root", publisher, "save", "-o", dir.Combine("box.tar"), "box:1")).Ok();
        (await Tools.Run("skopeo", "copy", "--format", "v2s2", "--dest-tls-verify=false", $"docker-archive:{dir.Combine("box.tar")}", $"docker://{baseRef}")).Ok();
        var baseManifest = await RawManifestAsync(baseRef);
        AssertOneFamily(DockerPrefix, baseManifest);

        var context = Directory.CreateDirectory(dir.Combine("context")).FullName;
        File.WriteAllText(Path.Combine(context, "Dockerfile"), $"FROM {baseRef}\nCOPY app.txt /app.txt\n");
        File.WriteAllText(Path.Combine(context, "app.txt"), "the app\n");
        var store = dir.Combine("store");
        (await Tools.Ibuild("--root", store, "build", "--progress", "plain", "-t", appRef, "--push", "--provenance=false", context)).Ok();

        // The pushed manifest is all OCI, and its base layer is the base's blob, only retyped.
        var pushed = await RawManifestAsync(appRef);
        AssertOneFamily(OciPrefix, pushed);
        using (var app = JsonDocument.Parse(pushed))
        using (var @base = JsonDocument.Parse(baseManifest))
        {
            Assert.Equal(@base.RootElement.GetProperty("layers")[0].GetProperty("digest").GetString(),
                app.RootElement.GetProperty("layers")[0].GetProperty("digest").GetString());
        }

        // skopeo converts it into a docker archive (this failed: "Unknown media type during manifest conversion") and an OCI layout.
        (await Tools.Run("skopeo", "copy", "--src-tls-verify=false", $"docker://{appRef}", $"docker-archive:{dir.Combine("app.tar")}:app:1")).Ok();
        var layout = dir.Combine("layout");
        (await Tools.Run("skopeo", "copy", "--src-tls-verify=false", $"docker://{appRef}", $"oci:{layout}:app")).Ok();
        AssertOneFamily(OciPrefix, LayoutManifest(layout));

        string[] podman = ["--root", dir.Combine("podman-root"), "--runroot", dir.Combine("podman-run"), "--storage-driver", "vfs"];
        (await Tools.Run("podman", [.. podman, "pull", "--tls-verify=false", appRef])).Ok();
        (await Tools.Run("podman", [.. podman, "load", "-i", dir.Combine("app.tar")])).Ok();

        // The store's own archives are of one family too, in both formats.
        foreach (var format in new[] { "oci", "docker" })
        {
            var saved = dir.Combine($"saved-{format}.tar");
            (await Tools.Ibuild("--root", store, "save", "--format", format, "-o", saved, appRef)).Ok();
            var files = Directory.CreateDirectory(dir.Combine($"saved-{format}")).FullName;
            await TarFile.ExtractToDirectoryAsync(saved, files, overwriteFiles: false);
            AssertOneFamily(OciPrefix, LayoutManifest(files));
        }

        (await Tools.Run("skopeo", "copy", $"docker-archive:{dir.Combine("saved-docker.tar")}", $"oci:{dir.Combine("resaved")}:app")).Ok();
    }
}
