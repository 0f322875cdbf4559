using System.Text.Json;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary>
/// A COPY that reruns because some sources changed starts from its previous snapshot: its layer
/// must be byte for byte the one a full copy of the same context gives (a fresh store builds it),
/// and the files that did not change are shared with the previous snapshot, not written again.
/// </summary>
public sealed class BuildIncrementalCopyTests : IDisposable
{
    private readonly BuildFixture again = new();
    private readonly BuildFixture fresh = new();

    public void Dispose()
    {
        again.Dispose();
        fresh.Dispose();
    }

    [RootTheory]
    [InlineData("modify", "", true)]
    [InlineData("add", "", true)]
    [InlineData("remove", "", true)]
    [InlineData("rename", "", true)]
    [InlineData("mode", "", true)]
    [InlineData("directory mode", "", false)]
    [InlineData("file to directory", "", true)]
    [InlineData("directory to file", "", true)]
    [InlineData("symlink", "", true)]
    [InlineData("hard link", "", true)]
    [InlineData("dockerignore", "", true)]
    [InlineData("modify", "--chown=12:34 --chmod=640", true)]
    [InlineData("add", "--exclude=*.log", true)]
    public async Task An_incremental_copy_gives_the_layer_a_full_copy_gives(string change, string flags, bool incremental)
    {
        var dockerfile = $"FROM box:1\nCOPY {flags} . /app/\n";
        again.Write("Dockerfile", dockerfile);
        again.Write("a.txt", "first file\n");
        again.Write("sub/b.txt", "second file\n");
        again.Write("sub/deep/c.txt", "third file\n");
        again.Write("keep.log", "a log\n");
        File.CreateSymbolicLink(Path.Combine(again.Context, "link"), "a.txt");
        await again.ImportBaseAsync();
        (await again.Ibuild("--root", again.Store, "build", "--progress", "quiet", again.Context)).Ok();

        await Change(change, again.Context);
        var trace = Path.Combine(again.Context, "..", "trace.json");
        var incrementalId = (await again.Ibuild("--root", again.Store, "build", "--progress", "quiet", "--trace", trace, again.Context)).Ok().Stdout.Trim();

        await fresh.ImportBaseAsync();
        var fullId = (await fresh.Ibuild("--root", fresh.Store, "build", "--progress", "quiet", again.Context)).Ok().Stdout.Trim();

        Assert.Equal(await fresh.LayersAsync(fullId), await again.LayersAsync(incrementalId));
        Assert.Equal(incremental, KeptEntries(trace) > 0);
    }

    [RootFact]
    public async Task An_unchanged_file_is_shared_with_the_previous_snapshot_and_a_later_run_never_writes_through_it()
    {
        const string dockerfile = "FROM box:1\nCOPY . /app/\nRUN echo run >> /app/sub/unchanged.txt\n";
        again.Write("changed.txt", "before\n");
        again.Write("sub/unchanged.txt", "the same\n");
        await again.ImportBaseAsync();
        (await again.BuildAsync(dockerfile)).Ok();
        File.AppendAllText(Path.Combine(again.Context, "changed.txt"), "after\n");
        (await again.BuildAsync(dockerfile)).Ok();

        var snapshots = Directory.GetDirectories(Path.Combine(again.Store, "ibuild", "snapshots"));
        var unchanged = snapshots.Select(s => Path.Combine(s, "app", "sub", "unchanged.txt")).Where(File.Exists).ToList();
        var changed = snapshots.Select(s => Path.Combine(s, "app", "changed.txt")).Where(File.Exists).ToList();
        var copied = unchanged.Where(p => File.ReadAllText(p) == "the same\n").ToList();
        Assert.Equal(2, copied.Count); // both COPY snapshots, one inode
        Assert.Single((await Task.WhenAll(copied.Select(Inode))).Distinct());
        Assert.Equal(2, unchanged.Count(p => File.ReadAllText(p) == "the same\nrun\n")); // each RUN wrote its own copy
        Assert.Equal(2, (await Task.WhenAll(changed.Select(Inode))).Distinct().Count());
        Assert.Contains(changed, p => File.ReadAllText(p) == "before\n"); // the old snapshot was not written through
    }

    private static async Task Change(string change, string context)
    {
        string At(string relative) => Path.Combine(context, relative);
        switch (change)
        {
            case "modify":
                File.AppendAllText(At("sub/b.txt"), "more\n");
                break;
            case "add":
                File.WriteAllText(At("sub/new.txt"), "new\n");
                File.WriteAllText(At("new.log"), "new log\n");
                break;
            case "remove":
                File.Delete(At("sub/deep/c.txt"));
                break;
            case "rename":
                File.Move(At("sub/b.txt"), At("sub/renamed.txt"));
                break;
            case "mode":
                File.SetUnixFileMode(At("a.txt"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                break;
            case "directory mode":
                File.SetUnixFileMode(At("sub/deep"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                break;
            case "file to directory":
                File.Delete(At("a.txt"));
                Directory.CreateDirectory(At("a.txt"));
                File.WriteAllText(At("a.txt/inner.txt"), "inner\n");
                break;
            case "directory to file":
                Directory.Delete(At("sub/deep"), recursive: true);
                File.WriteAllText(At("sub/deep"), "now a file\n");
                break;
            case "symlink":
                File.Delete(At("link"));
                File.CreateSymbolicLink(At("link"), "sub/b.txt");
                File.CreateSymbolicLink(At("sub/new-link"), "../a.txt");
                break;
            case "hard link":
                (await Tools.Run("ln", At("a.txt"), At("sub/hard.txt"))).Ok();
                break;
            case "dockerignore":
                File.WriteAllText(At(".dockerignore"), "sub/deep\n");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(change), change, "no such change");
        }
    }

    /// <summary>The entries the COPY step left as they were, from the build's trace (0 when it copied everything).</summary>
    private static long KeptEntries(string trace)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(trace));
        return document.RootElement.GetProperty("traceEvents").EnumerateArray()
            .Where(e => e.TryGetProperty("args", out var args) && args.TryGetProperty("copyKept", out _))
            .Sum(e => e.GetProperty("args").GetProperty("copyKept").GetInt64());
    }

    private static async Task<string> Inode(string path) => (await Tools.Run("stat", "-c", "%i", path)).Ok().Stdout.Trim();
}
