using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ImageBuilder.IntegrationTests.Rootless;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary>
/// A store with the busybox base imported as <c>box:1</c>, a context dir to write files into,
/// and ways to read a built image back through real tools (skopeo, umoci), not internal state.
/// ibuild runs as root in this process, or, given a <see cref="RootlessUser"/>, as that user
/// (rootless) over a directory the user owns.
/// </summary>
internal sealed class BuildFixture : IDisposable
{
    private readonly TempDirectory dir = new("ibuild-it-build-");
    private readonly RootlessUser? user;

    public BuildFixture()
    {
    }

    public BuildFixture(RootlessUser user)
    {
        this.user = user;
        user.Own(dir.Path);
    }

    public string Store => dir.Combine("store");

    public string Context => Directory.CreateDirectory(dir.Combine("context")).FullName;

    /// <summary>The user ibuild runs as (rootless); a root fixture has none.</summary>
    public RootlessUser User => user ?? throw new InvalidOperationException("this fixture runs ibuild as root");

    public void Dispose() => dir.Dispose();

    /// <summary>Runs <c>ibuild ARGS</c>: as root in this process, or as the rootless user.</summary>
    public Task<Tools.Result> Ibuild(params string[] args) => user is null ? Tools.Ibuild(args) : user.Ibuild(args);

    /// <summary>The start info of <c>ibuild ARGS</c> as a separate process (for tests that signal or kill it).</summary>
    public ProcessStartInfo IbuildProcess(params string[] args) => user is null ? Tools.IbuildProcess(args) : user.IbuildProcess(args);

    public async Task ImportBaseAsync() =>
        (await Ibuild("--root", Store, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1")).Ok();

    public void Write(string relative, string content) => Write(relative, Encoding.UTF8.GetBytes(content));

    /// <summary>Writes a context file (the rootless user is given the context).</summary>
    public void Write(string relative, byte[] content)
    {
        var path = Path.Combine(Context, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        user?.Own(Context);
    }

    /// <summary>Builds with the Dockerfile text given, plain progress; returns the result (not checked).</summary>
    public Task<Tools.Result> BuildAsync(string dockerfile, params string[] options)
    {
        Write("Dockerfile", dockerfile);
        return Ibuild(["--root", Store, "build", "--progress", "plain", .. options, Context]);
    }

    /// <summary>The image id of <paramref name="name"/>, from <c>ibuild inspect</c>.</summary>
    public async Task<string> IdAsync(string name)
    {
        using var inspect = JsonDocument.Parse((await Ibuild("--root", Store, "inspect", name)).Ok().Stdout);
        return inspect.RootElement.GetProperty("Id").GetString()!;
    }

    /// <summary>The layer digests of <paramref name="name"/>'s manifest.</summary>
    public async Task<IReadOnlyList<string>> LayersAsync(string name)
    {
        using var inspect = JsonDocument.Parse((await Ibuild("--root", Store, "inspect", name)).Ok().Stdout);
        return inspect.RootElement.GetProperty("Manifest").GetProperty("layers").EnumerateArray()
            .Select(l => l.GetProperty("digest").GetString()!).ToList();
    }

    /// <summary>Saves <paramref name="name"/> as an OCI archive, copies it with skopeo into an OCI layout and unpacks it with umoci.</summary>
    public async Task<string> UnpackWithUmociAsync(string name)
    {
        var archive = dir.Combine($"{Guid.NewGuid():N}.tar");
        (await Ibuild("--root", Store, "save", "--format", "oci", "-o", archive, name)).Ok();
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
        (await Ibuild("--root", Store, "save", "-o", archive, name)).Ok();
        var config = (await Tools.Run("skopeo", "inspect", "--config", $"docker-archive:{archive}")).Ok().Stdout;
        return JsonDocument.Parse(config).RootElement.Clone();
    }

    /// <summary>
    /// No mount of the store's in any mount namespace (this process's, and those of every process
    /// left, rootless ibuild's own included), and no scratch in the store.
    /// </summary>
    public void AssertNothingLeft()
    {
        Assert.Empty(ProcessTable.MountsUnder(Store));
        Assert.Empty(StoreScratch.Leftovers(Store));
    }
}
