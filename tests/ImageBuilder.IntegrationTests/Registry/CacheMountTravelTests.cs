using ImageBuilder.Registry.Tests.Fixtures;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Registry;

/// <summary>
/// Cache mounts that travel (--cache-to …,mounts=true): a fresh store that imports the cache
/// rebuilds with --no-cache, and its step finds what the first machine's step left in the cache
/// mount (the apt pattern: a package downloaded once is not downloaded again), with the mount's
/// mode and owner. Through a directory (a CI cache action) and through the real docker-registry.
/// </summary>
public sealed class CacheMountTravelTests(PlainRegistry registry) : IClassFixture<PlainRegistry>, IDisposable
{
    // "Downloads" a package into the cache mount unless it is there, as apt-get with docker-clean removed does.
    private const string Dockerfile = """
        FROM box:1
        RUN --mount=type=cache,target=/var/cache/pkgs,uid=1000,gid=1001,mode=0750 \
            if [ -f /var/cache/pkgs/tool.deb ]; then echo "reused tool.deb"; else echo "downloading tool.deb"; echo package > /var/cache/pkgs/tool.deb; fi; \
            stat -c '%a %u %g' /var/cache/pkgs > /mount-stat
        """;

    private readonly BuildFixture first = new();
    private readonly BuildFixture second = new();
    private readonly TempDirectory dir = new("ibuild-it-cache-mounts-");

    public void Dispose()
    {
        first.Dispose();
        second.Dispose();
        dir.Dispose();
    }

    [RootFact]
    public Task Through_a_directory_the_mount_reaches_a_fresh_store() =>
        TravelsAsync($"type=local,dest={dir.Combine("cache")},mounts=true", $"type=local,src={dir.Combine("cache")}");

    [RegistryRootFact]
    public Task Through_a_registry_the_mount_reaches_a_fresh_store()
    {
        var reference = $"{registry.Server.Host}/{RegistryTestKit.Repository("mounts")}:cache";
        return TravelsAsync($"type=registry,ref={reference},mounts=true", $"type=registry,ref={reference}");
    }

    [RootFact]
    public async Task Without_mounts_true_the_cache_holds_no_mount()
    {
        await first.ImportBaseAsync();
        (await first.BuildAsync(Dockerfile, "--cache-to", $"type=local,dest={dir.Combine("plain")}")).Ok();
        await second.ImportBaseAsync();

        var rebuilt = (await second.BuildAsync(Dockerfile, "--no-cache", "--cache-from", $"type=local,src={dir.Combine("plain")}")).Ok();

        Assert.Matches(Said("downloading tool.deb"), rebuilt.Stderr);
    }

    /// <summary>A line the step printed (not the step's title, which holds the command's text).</summary>
    private static string Said(string text) => $@"\n#\d+ [\d.]+ {System.Text.RegularExpressions.Regex.Escape(text)}\n";

    private async Task TravelsAsync(string cacheTo, string cacheFrom)
    {
        await first.ImportBaseAsync();
        var exported = (await first.BuildAsync(Dockerfile, "--cache-to", cacheTo)).Ok();
        Assert.Matches(Said("downloading tool.deb"), exported.Stderr);
        Assert.Contains("1 cache mounts (/var/cache/pkgs)", exported.Stderr);

        await second.ImportBaseAsync();
        var rebuilt = (await second.BuildAsync(Dockerfile, "-t", "again:1", "--no-cache", "--cache-from", cacheFrom)).Ok();

        Assert.Contains("and 1 cache mounts from", rebuilt.Stderr);
        Assert.Matches(Said("reused tool.deb"), rebuilt.Stderr);
        Assert.DoesNotMatch(Said("downloading tool.deb"), rebuilt.Stderr);
        Assert.Equal("750 1000 1001\n", File.ReadAllText(Path.Combine(await second.UnpackWithUmociAsync("again:1"), "mount-stat")));
        second.AssertNothingLeft();
    }
}
