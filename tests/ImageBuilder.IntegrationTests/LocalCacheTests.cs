using System.Text.Json;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary>--cache-to type=local,dest=DIR and --cache-from type=local,src=DIR: the build cache in a directory, as a CI cache action keeps it.</summary>
public sealed class LocalCacheTests : IDisposable
{
    private const string Dockerfile = "FROM box:1\nCOPY app.txt /app.txt\nRUN wc -c /app.txt > /size\n";

    private readonly BuildFixture first = new();
    private readonly BuildFixture second = new();
    private readonly TempDirectory dir = new("ibuild-it-local-cache-");

    public void Dispose()
    {
        first.Dispose();
        second.Dispose();
        dir.Dispose();
    }

    [RootFact]
    public async Task A_fresh_store_with_the_directory_cache_runs_no_step_and_gives_the_same_image()
    {
        var cache = dir.Combine("cache");
        await first.ImportBaseAsync();
        first.Write("app.txt", "the app\n");
        (await first.BuildAsync(Dockerfile, "-t", "app:1", "--cache-to", $"type=local,dest={cache},mode=max")).Ok();

        // An OCI layout a real tool reads: its one manifest is ibuild's cache artifact.
        using (var manifest = JsonDocument.Parse((await Tools.Run("skopeo", "inspect", "--raw", $"oci:{cache}")).Ok().Stdout))
        {
            Assert.Equal("application/vnd.ibuild.cache.v1", manifest.RootElement.GetProperty("artifactType").GetString());
        }

        // The same base image on the other machine (an import made in another second would be another image).
        var box = dir.Combine("box.tar");
        (await first.Ibuild("--root", first.Store, "save", "-o", box, "box:1")).Ok();
        (await second.Ibuild("--root", second.Store, "load", "-i", box)).Ok();
        second.Write("app.txt", "the app\n");
        var rebuilt = (await second.BuildAsync(Dockerfile, "-t", "app:1", "--cache-from", $"type=local,src={cache}")).Ok();

        Assert.Contains("imported 2 cache records", rebuilt.Stderr);
        var steps = rebuilt.Stderr.Split('\n').Where(l => l.Contains("] COPY", StringComparison.Ordinal) || l.Contains("] RUN", StringComparison.Ordinal))
            .Select(l => l.Split(' ')[0]).ToList();
        Assert.Equal(2, steps.Count);
        Assert.All(steps, id => Assert.Contains($"{id} CACHED\n", rebuilt.Stderr));
        Assert.Equal(await first.IdAsync("app:1"), await second.IdAsync("app:1"));
        second.AssertNothingLeft();
    }

    [RootFact]
    public async Task A_missing_cache_imports_nothing_and_a_damaged_one_is_a_clear_error()
    {
        var cache = dir.Combine("cache");
        await first.ImportBaseAsync();
        first.Write("app.txt", "the app\n");
        var none = (await first.BuildAsync(Dockerfile, "--cache-from", $"type=local,src={dir.Combine("absent")}")).Ok();
        Assert.Contains("not found: nothing imported", none.Stderr);
        (await first.BuildAsync(Dockerfile, "--cache-to", $"type=local,dest={cache}")).Ok();

        // A layer blob altered in the directory: the import refuses it, naming the cache.
        var layer = Directory.GetFiles(Path.Combine(cache, "blobs", "sha256")).OrderByDescending(f => new FileInfo(f).Length).First();
        var bytes = File.ReadAllBytes(layer);
        bytes[^1] ^= 0xff;
        File.WriteAllBytes(layer, bytes);
        await second.ImportBaseAsync();
        second.Write("app.txt", "the app\n");
        var refused = await second.BuildAsync(Dockerfile, "--cache-from", $"type=local,src={cache}");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"{cache} is not an intact ibuild build cache", refused.Stderr);
        Assert.DoesNotContain("   at ", refused.Stderr);
        second.AssertNothingLeft();
    }
}
