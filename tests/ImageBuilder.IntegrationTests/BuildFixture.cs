using System.Text.Json;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary>
/// A store with the busybox base imported as <c>box:1</c>, a context dir to write files into,
/// and ways to read a built image back through real tools (skopeo, umoci), not internal state.
/// </summary>
internal sealed class BuildFixture : IDisposable
{
    private readonly TempDirectory dir = new("ibuild-it-build-");

    public string Store => dir.Combine("store");

    public string Context => Directory.CreateDirectory(dir.Combine("context")).FullName;

    public void Dispose() => dir.Dispose();

    public async Task ImportBaseAsync() =>
        (await Tools.Ibuild("--root", Store, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1")).Ok();

    public void Write(string relative, string content)
    {
        var path = Path.Combine(Context, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    /// <summary>Builds with the Dockerfile text given, plain progress; returns the result (not checked).</summary>
    public Task<Tools.Result> BuildAsync(string dockerfile, params string[] options)
    {
        Write("Dockerfile", dockerfile);
        return Tools.Ibuild(["--root", Store, "build", "--progress", "plain", .. options, Context]);
    }

    /// <summary>The image id of <paramref name="name"/>, from <c>ibuild inspect</c>.</summary>
    public async Task<string> IdAsync(string name)
    {
        using var inspect = JsonDocument.Parse((await Tools.Ibuild("--root", Store, "inspect", name)).Ok().Stdout);
        return inspect.RootElement.GetProperty("Id").GetString()!;
    }

    /// <summary>The layer digests of <paramref name="name"/>'s manifest.</summary>
    public async Task<IReadOnlyList<string>> LayersAsync(string name)
    {
        using var inspect = JsonDocument.Parse((await Tools.Ibuild("--root", Store, "inspect", name)).Ok().Stdout);
        return inspect.RootElement.GetProperty("Manifest").GetProperty("layers").EnumerateArray()
            .Select(l => l.GetProperty("digest").GetString()!).ToList();
    }

    /// <summary>Saves <paramref name="name"/> as an OCI archive, copies it with skopeo into an OCI layout and unpacks it with umoci.</summary>
    public async Task<string> UnpackWithUmociAsync(string name)
    {
        var archive = dir.Combine($"{Guid.NewGuid():N}.tar");
        (await Tools.Ibuild("--root", Store, "save", "--format", "oci", "-o", archive, name)).Ok();
        var layout = dir.Combine($"layout-{Guid.NewGuid():N}");
        (await Tools.Run("skopeo", "copy", $"oci-archive:{archive}", $"oci:{layout}:img")).Ok();
        var bundle = dir.Combine($"bundle-{Guid.NewGuid():N}");
        (await Tools.Run("umoci", "unpack", "--image", $"{layout}:img", bundle)).Ok();
        return Path.Combine(bundle, "rootfs");
    }

    /// <summary>The image config as skopeo reads it from a docker archive ibuild saved.</summary>
    public async Task<JsonElement> ConfigWithSkopeoAsync(string name)
    {
        var archive = dir.Combine($"{Guid.NewGuid():N}.tar");
        (await Tools.Ibuild("--root", Store, "save", "-o", archive, name)).Ok();
        var config = (await Tools.Run("skopeo", "inspect", "--config", $"docker-archive:{archive}")).Ok().Stdout;
        return JsonDocument.Parse(config).RootElement.Clone();
    }

    public void AssertNothingLeft()
    {
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), line => line.Contains(Store, StringComparison.Ordinal));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(Store, "ibuild", "tmp")));
    }
}
