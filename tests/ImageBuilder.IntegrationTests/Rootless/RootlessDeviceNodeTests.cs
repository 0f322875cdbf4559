using System.Text.Json;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Rootless;

/// <summary>
/// Device nodes in layers, which a user namespace cannot create: rootless, import, load and ADD
/// succeed, the snapshot lacks the node, and a warning names its path (as Podman does); imported
/// and loaded layers keep the node in their blobs. As root the node is created.
/// </summary>
public sealed class RootlessDeviceNodeTests : IDisposable
{
    private const string Warning = "ibuild: warning: rootless: 1 device node(s) left out";

    private readonly BuildFixture rootless = new(new RootlessUser());
    private readonly BuildFixture root = new();

    public void Dispose()
    {
        rootless.Dispose();
        root.Dispose();
    }

    [RootFact]
    public async Task An_imported_layer_with_a_device_node_is_unpacked_without_it_and_the_warning_names_it()
    {
        var tar = EdgeCaseTars.Save(EdgeCaseTars.CharacterDevice(), Path.Combine(rootless.Context, "dev.tar"));

        var import = (await rootless.Ibuild("--root", rootless.Store, "import", tar, "-t", "dev:1")).Ok();

        Assert.Contains($"{Warning} ", import.Stderr);
        Assert.Contains(": /opt/null", import.Stderr);
        var snapshot = Assert.Single(Directory.GetDirectories(Path.Combine(rootless.Store, "ibuild", "snapshots")));
        Assert.False(Path.Exists(Path.Combine(snapshot, "opt", "null")));
        Assert.Equal("plain\n", File.ReadAllText(Path.Combine(snapshot, "opt", "plain")));
        Assert.Contains(await LayerListingAsync(rootless, "dev:1"), l => l.StartsWith('c') && l.EndsWith("opt/null", StringComparison.Ordinal));
        Assert.Contains("no problems", (await rootless.Ibuild("--root", rootless.Store, "fsck")).Ok().Stdout);
    }

    [RootFact]
    public async Task As_root_the_same_import_creates_the_device_node()
    {
        var tar = EdgeCaseTars.Save(EdgeCaseTars.CharacterDevice(), Path.Combine(root.Context, "dev.tar"));

        var import = (await root.Ibuild("--root", root.Store, "import", tar, "-t", "dev:1")).Ok();

        Assert.DoesNotContain("warning", import.Stderr);
        var snapshot = Assert.Single(Directory.GetDirectories(Path.Combine(root.Store, "ibuild", "snapshots")));
        Assert.Equal("character special file 1,3", (await Tools.Run("stat", "-c", "%F %t,%T", Path.Combine(snapshot, "opt", "null"))).Ok().Stdout.Trim());
    }

    [RootFact]
    public async Task A_loaded_image_whose_layer_has_a_device_node_loads_rootless_with_the_warning()
    {
        var tar = EdgeCaseTars.Save(EdgeCaseTars.CharacterDevice(), Path.Combine(root.Context, "dev.tar"));
        (await root.Ibuild("--root", root.Store, "import", tar, "-t", "dev:1")).Ok();
        var archive = Path.Combine(rootless.Context, "dev-image.tar");
        (await root.Ibuild("--root", root.Store, "save", "-o", archive, "dev:1")).Ok();
        rootless.User.Own(archive);

        var load = (await rootless.Ibuild("--root", rootless.Store, "load", "-i", archive)).Ok();

        Assert.Contains("Loaded image: dev:1", load.Stdout);
        Assert.Contains($"{Warning} ", load.Stderr);
        Assert.Contains(": /opt/null", load.Stderr);
        var snapshot = Assert.Single(Directory.GetDirectories(Path.Combine(rootless.Store, "ibuild", "snapshots")));
        Assert.False(Path.Exists(Path.Combine(snapshot, "opt", "null")));
        Assert.Equal("plain\n", File.ReadAllText(Path.Combine(snapshot, "opt", "plain")));
    }

    [RootFact]
    public async Task An_ADD_of_a_tar_with_a_device_node_builds_rootless_without_it_and_warns()
    {
        await rootless.ImportBaseAsync();
        rootless.Write("dev.tar", EdgeCaseTars.CharacterDevice());

        var build = (await rootless.BuildAsync("FROM box:1\nADD dev.tar /\nRUN ls /opt > /listing\n", "-t", "added:1")).Ok();

        Assert.Single(build.Stderr.Split('\n'), l => l.StartsWith(Warning, StringComparison.Ordinal) && l.EndsWith(": /opt/null", StringComparison.Ordinal));
        Assert.Equal("plain\n", (await rootless.Ibuild("--root", rootless.Store, "run", "added:1", "cat", "/listing")).Ok().Stdout);
        Assert.DoesNotContain(await LayerListingAsync(rootless, "added:1"), l => l.EndsWith("opt/null", StringComparison.Ordinal));
    }

    /// <summary>tar -tv of all the image's layer blobs, as GNU tar reads them (a save into a device writes the build's blobs first).</summary>
    private static async Task<string[]> LayerListingAsync(BuildFixture fixture, string image)
    {
        (await fixture.Ibuild("--root", fixture.Store, "save", "-o", "/dev/null", image)).Ok();
        using var inspect = JsonDocument.Parse((await fixture.Ibuild("--root", fixture.Store, "inspect", image)).Ok().Stdout);
        var layers = inspect.RootElement.GetProperty("Manifest").GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()!).ToList();
        var listing = new List<string>();
        foreach (var layer in layers)
        {
            var blob = Path.Combine(fixture.Store, "blobs", "sha256", layer["sha256:".Length..]);
            listing.AddRange((await Tools.Run("tar", "-tvf", blob)).Ok().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }

        return [.. listing];
    }
}
