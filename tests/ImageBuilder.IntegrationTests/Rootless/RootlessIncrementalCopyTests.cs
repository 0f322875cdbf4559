using System.Text.Json;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Rootless;

/// <summary>An incremental COPY rootless: the shared tree is made inside the user namespace, and the layer is still the full copy's.</summary>
public sealed class RootlessIncrementalCopyTests : IDisposable
{
    private readonly BuildFixture again = new(new RootlessUser());
    private readonly BuildFixture fresh = new(new RootlessUser());

    public void Dispose()
    {
        again.Dispose();
        fresh.Dispose();
    }

    [RootFact]
    public async Task A_rootless_incremental_copy_gives_the_layer_a_full_copy_gives()
    {
        const string dockerfile = "FROM box:1\nCOPY --chown=5:6 . /app/\nRUN cat /app/sub/b.txt > /seen\n";
        again.Write("a.txt", "first\n");
        again.Write("sub/b.txt", "second\n");
        await again.ImportBaseAsync();
        (await again.BuildAsync(dockerfile)).Ok();
        again.Write("sub/b.txt", "second, changed\n");
        again.Write("sub/new.txt", "new\n");
        var trace = Path.Combine(again.User.NewDirectory(), "trace.json");
        (await again.BuildAsync(dockerfile, "--trace", trace, "-t", "incremental")).Ok();

        await fresh.ImportBaseAsync();
        fresh.Write("Dockerfile", dockerfile);
        fresh.Write("a.txt", "first\n");
        fresh.Write("sub/b.txt", "second, changed\n");
        fresh.Write("sub/new.txt", "new\n");
        SameTimes(again.Context, fresh.Context);
        (await fresh.Ibuild("--root", fresh.Store, "build", "--progress", "quiet", "-t", "full", fresh.Context)).Ok();

        Assert.Equal((await fresh.LayersAsync("full")).Take(2), (await again.LayersAsync("incremental")).Take(2));
        var events = Events(trace);
        Assert.Contains(events, e => Arg(e, "copyKept") is { } kept && kept.GetInt64() > 0);

        // The build outside read and hashed the context, then stopped at the COPY to enter: the
        // build inside took that context over instead of reading it again, and kept its hashes.
        Assert.Contains(events, e => e.GetProperty("name").GetString() == "context load" && Arg(e, "handedOver")?.GetBoolean() == true);
        var warm = Path.Combine(again.User.NewDirectory(), "warm.json");
        (await again.Ibuild("--root", again.Store, "build", "--trace", warm, "-t", "incremental", again.Context)).Ok();
        Assert.Equal(0, Events(warm).Single(e => e.GetProperty("name").GetString() == "context hashing").GetProperty("args").GetProperty("filesHashed").GetInt64());
    }

    private static List<JsonElement> Events(string trace)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(trace));
        return [.. json.RootElement.GetProperty("traceEvents").EnumerateArray().Select(e => e.Clone())];
    }

    private static JsonElement? Arg(JsonElement traceEvent, string name) =>
        traceEvent.TryGetProperty("args", out var args) && args.TryGetProperty(name, out var value) ? value : null;

    // The layer holds the files' times: the second context gets the first one's.
    private static void SameTimes(string from, string to)
    {
        foreach (var path in Directory.EnumerateFileSystemEntries(from, "*", SearchOption.AllDirectories).OrderByDescending(p => p.Length).Append(from))
        {
            var other = Path.Combine(to, Path.GetRelativePath(from, path));
            if (File.Exists(path))
            {
                File.SetLastWriteTimeUtc(other, File.GetLastWriteTimeUtc(path));
            }
            else
            {
                Directory.SetLastWriteTimeUtc(other, Directory.GetLastWriteTimeUtc(path));
            }
        }
    }
}
