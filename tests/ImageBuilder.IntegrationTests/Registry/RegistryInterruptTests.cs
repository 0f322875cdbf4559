using System.Diagnostics;
using ImageBuilder.Registry.Tests.Fixtures;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Registry;

/// <summary>A pull killed with SIGKILL mid-way leaves a consistent store, and the next pull finishes the job.</summary>
public sealed class RegistryInterruptTests(PlainRegistry registry) : IClassFixture<PlainRegistry>, IDisposable
{
    private const int LayerSize = 96 * 1024 * 1024;

    private readonly TempDirectory dir = new("ibuild-it-registry-kill-");

    private RegistryServer Server => registry.Server;

    public void Dispose() => dir.Dispose();

    [RegistryRootFact]
    public async Task A_pull_killed_mid_layer_leaves_no_partial_blob_and_the_next_pull_completes()
    {
        var reference = $"{Server.Host}/{RegistryTestKit.Repository("large")}:1";
        await PushLargeImageWithSkopeoAsync(reference);
        var store = dir.Combine("store");
        var scratch = Path.Combine(store, "ibuild", "tmp");

        using (var process = Process.Start(Tools.IbuildProcess("--root", store, "pull", reference))!)
        {
            // Killed once the layer is partly written to scratch.
            while (!process.HasExited && !PartlyWritten(scratch))
            {
                await Task.Delay(1);
            }

            Assert.False(process.HasExited, "the pull finished before it could be killed");
            process.Kill();
            await process.WaitForExitAsync();
        }

        Assert.NotEmpty(Directory.GetFiles(scratch, "*", SearchOption.AllDirectories));
        if (Directory.Exists(Path.Combine(store, "blobs", "sha256")))
        {
            RegistryTestKit.AssertEveryBlobVerifies(store);
            Assert.DoesNotContain(Directory.GetFiles(Path.Combine(store, "blobs", "sha256")), f => new FileInfo(f).Length > LayerSize / 2);
        }

        var pull = (await Tools.Ibuild("--root", store, "pull", reference)).Ok();

        Assert.Equal(4, RegistryTestKit.AssertEveryBlobVerifies(store));
        Assert.Empty(StoreScratch.Leftovers(store));
        Assert.Equal((await RegistryTestKit.InspectAsync(store, reference)).Id, pull.Stdout.Trim());
        Assert.Equal($"{LayerSize}\n", (await Tools.Ibuild("--root", store, "run", reference, "busybox", "stat", "-c", "%s", "/large.bin")).Ok().Stdout);
    }

    private static bool PartlyWritten(string scratch)
    {
        try
        {
            return Directory.Exists(scratch) && Directory.EnumerateFiles(scratch, "*", SearchOption.AllDirectories).Any(f => new FileInfo(f).Length > 4 * 1024 * 1024);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>busybox plus a layer of random bytes, saved by ibuild and pushed by skopeo.</summary>
    private async Task PushLargeImageWithSkopeoAsync(string reference)
    {
        var source = dir.Combine("source");
        var context = Directory.CreateDirectory(dir.Combine("context")).FullName;
        var random = new byte[LayerSize];
        new Random(42).NextBytes(random);
        await File.WriteAllBytesAsync(Path.Combine(context, "large.bin"), random);
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), "FROM box:1\nCOPY large.bin /large.bin\n");
        (await Tools.Ibuild("--root", source, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1")).Ok();
        (await Tools.Ibuild("--root", source, "build", "--progress", "quiet", "-t", "large:1", context)).Ok();
        var archive = dir.Combine("large.tar");
        (await Tools.Ibuild("--root", source, "save", "--format", "oci", "-o", archive, "large:1")).Ok();
        (await Tools.Run("skopeo", "copy", "--dest-tls-verify=false", $"oci-archive:{archive}", $"docker://{reference}")).Ok();
    }
}
