using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary>
/// A build writes each layer once: the step's upper dir becomes the snapshot, and the layer blob is
/// written from it only when something reads it (save, push, export). Checked through real tools,
/// and against kill -9 at random points of a build.
/// </summary>
public sealed class BuildLazyLayerTests : IDisposable
{
    private const string Dockerfile = """
        FROM box:1
        COPY a.txt /a.txt
        RUN dd if=/dev/zero of=/big bs=1024 count=4096 2>/dev/null && echo one > /one
        COPY b.txt /b.txt
        RUN mkdir -p /d/e && echo two > /d/e/two && rm /one
        CMD ["cat", "/a.txt"]
        """;

    private static readonly Dictionary<string, string> Epoch = new() { ["SOURCE_DATE_EPOCH"] = "1700000000" };

    private readonly BuildFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    [RootFact]
    public async Task A_build_writes_no_layer_blob_until_a_save_needs_one_and_the_saved_layers_match_their_digests_and_diff_ids()
    {
        await fixture.ImportBaseAsync();
        WriteContext();
        (await fixture.BuildAsync(Dockerfile, "-t", "app:1")).Ok();
        var layers = await fixture.LayersAsync("app:1");
        var built = layers.Skip(1).ToList();
        Assert.Equal(4, built.Count);
        Assert.All(built, l => Assert.False(File.Exists(BlobFile(l)), $"{l} was written by the build"));

        // skopeo verifies every blob against its digest while copying the archive into a layout.
        var archive = Path.Combine(fixture.Context, "..", "app.oci.tar");
        (await fixture.Ibuild("--root", fixture.Store, "save", "--format", "oci", "-o", archive, "app:1")).Ok();
        var layout = Path.Combine(fixture.Context, "..", "layout");
        (await Tools.Run("skopeo", "copy", $"oci-archive:{archive}", $"oci:{layout}:img")).Ok();
        Assert.All(built, l => Assert.False(File.Exists(BlobFile(l)), $"{l} was written by a save into a file, which packs it into the archive"));

        // Into a pipe or a device, where nothing written can be taken back, the layers are made (and kept) first.
        (await fixture.Ibuild("--root", fixture.Store, "save", "--format", "oci", "-o", "/dev/null", "app:1")).Ok();
        foreach (var layer in built)
        {
            Assert.True(File.Exists(BlobFile(layer)), $"{layer} was not kept after save");
            Assert.Equal(layer, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(BlobFile(layer)))));
        }

        using var config = JsonDocument.Parse((await Tools.Run("skopeo", "inspect", "--config", $"oci:{layout}:img")).Ok().Stdout);
        var diffIds = config.RootElement.GetProperty("rootfs").GetProperty("diff_ids").EnumerateArray().Select(d => d.GetString()!).ToList();
        Assert.Equal(built, diffIds.Skip(1)); // the build's layers are uncompressed: digest = diff id
        var rootfs = await fixture.UnpackWithUmociAsync("app:1");
        Assert.Equal("two\n", File.ReadAllText(Path.Combine(rootfs, "d", "e", "two")));
        Assert.Equal(4096 * 1024, new FileInfo(Path.Combine(rootfs, "big")).Length);
        Assert.False(File.Exists(Path.Combine(rootfs, "one")));
        Assert.Equal(0, (await fixture.Ibuild("--root", fixture.Store, "fsck")).ExitCode);
    }

    [RootFact]
    public async Task Images_lists_the_size_of_layers_not_written_yet()
    {
        await fixture.ImportBaseAsync();
        WriteContext();
        (await fixture.BuildAsync(Dockerfile, "-t", "app:1")).Ok();
        var before = (await fixture.Ibuild("--root", fixture.Store, "images")).Ok().Stdout;

        (await fixture.Ibuild("--root", fixture.Store, "save", "-o", Path.Combine(fixture.Context, "..", "app.tar"), "app:1")).Ok();

        Assert.Equal(before, (await fixture.Ibuild("--root", fixture.Store, "images")).Ok().Stdout);
    }

    [RootFact]
    public async Task Kill_9_at_random_points_of_builds_leaves_a_store_fsck_accepts_and_the_next_build_gives_the_same_image()
    {
        var ibuild = Path.Combine(AppContext.BaseDirectory, "ibuild.dll");
        using var reference = new BuildFixture();
        var expected = await BuildAsync(reference, ibuild);

        (await Tools.Run("dotnet", [ibuild, "--root", fixture.Store, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1"], Epoch)).Ok();
        WriteContext();
        fixture.Write("Dockerfile", Dockerfile);
        var random = new Random(Environment.TickCount);
        for (var i = 0; i < 8; i++)
        {
            // Every other build misses the cache, so kills land in commits of existing chains too.
            var delay = random.Next(50, 2500);
            using (var process = StartBuild(ibuild, noCache: i % 2 == 1))
            {
                await Task.Delay(delay);
                process.Kill();
                await process.WaitForExitAsync();
            }

            // Any command removes what the killed build left in scratch; then nothing may be broken.
            (await fixture.Ibuild("--root", fixture.Store, "images")).Ok();
            var fsck = await fixture.Ibuild("--root", fixture.Store, "fsck");
            Assert.True(fsck.ExitCode == 0, $"after a kill {delay} ms into build {i + 1}:\n{fsck.Stdout}{fsck.Stderr}");
        }

        Assert.Equal(expected, await BuildAsync(fixture, ibuild));
        var fsckAfter = await fixture.Ibuild("--root", fixture.Store, "fsck");
        Assert.True(fsckAfter.ExitCode == 0, fsckAfter.Stdout);
        Assert.Equal("two\n", File.ReadAllText(Path.Combine(await fixture.UnpackWithUmociAsync("app:1"), "d", "e", "two")));
        fixture.AssertNothingLeft();
    }

    private Process StartBuild(string ibuild, bool noCache)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = false, RedirectStandardError = false };
        foreach (var arg in (string[])[ibuild, "--root", fixture.Store, "build", "--progress", "quiet", .. noCache ? ["--no-cache"] : Array.Empty<string>(), "-t", "app:1", fixture.Context])
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["SOURCE_DATE_EPOCH"] = Epoch["SOURCE_DATE_EPOCH"];
        return Process.Start(info)!;
    }

    /// <summary>Builds <see cref="Dockerfile"/> in <paramref name="target"/> with SOURCE_DATE_EPOCH; returns the image id.</summary>
    private async Task<string> BuildAsync(BuildFixture target, string ibuild)
    {
        if (!File.Exists(Path.Combine(target.Store, "index.json")))
        {
            (await Tools.Run("dotnet", [ibuild, "--root", target.Store, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1"], Epoch)).Ok();
        }

        target.Write("a.txt", "a\n");
        target.Write("b.txt", "b\n");
        target.Write("Dockerfile", Dockerfile);
        var build = await Tools.Run("dotnet", [ibuild, "--root", target.Store, "build", "--progress", "quiet", "-t", "app:1", target.Context], Epoch);
        return build.Ok().Stdout.Trim();
    }

    private void WriteContext()
    {
        fixture.Write("a.txt", "a\n");
        fixture.Write("b.txt", "b\n");
    }

    private string BlobFile(string digest) => Path.Combine(fixture.Store, "blobs", "sha256", digest["sha256:".Length..]);
}
