using ImageBuilder.Build.Context;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Build.Tests.Context;

public sealed class BuildContextTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private string Context => dir.Combine("ctx");

    private void Write(string relative, string content)
    {
        var path = Path.Combine(Context, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private string Sum(params string[] sources) => BuildContext.Load(Context, null, null).Checksum(sources).ToString();

    [Fact]
    public void Checksum_is_stable_and_ignores_times()
    {
        Write("app/a.txt", "a");
        Write("app/b.txt", "b");
        var before = Sum("app");
        Assert.Equal(before, Sum("app"));
        Assert.StartsWith("sha256:", before);
        File.SetLastWriteTimeUtc(Path.Combine(Context, "app/a.txt"), new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        Directory.SetLastWriteTimeUtc(Path.Combine(Context, "app"), new DateTime(2002, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        Assert.Equal(before, Sum("app"));
    }

    [Fact]
    public void Checksum_changes_with_content()
    {
        Write("app/a.txt", "a");
        var before = Sum("app");
        Write("app/a.txt", "A");
        Assert.NotEqual(before, Sum("app"));
    }

    [Fact]
    public void Checksum_changes_with_mode()
    {
        Write("app/a.txt", "a");
        var before = Sum("app/a.txt");
        File.SetUnixFileMode(Path.Combine(Context, "app/a.txt"), (UnixFileMode)0x1ed);
        Assert.NotEqual(before, Sum("app/a.txt"));
    }

    [RootFact]
    public void Checksum_counts_owners_only_for_a_bind_of_the_context_itself()
    {
        // The same files are the user's outside rootless ibuild's user namespace and root's inside
        // it: a cached build must hit the same cache in both (COPY writes them as 0:0 either way).
        Write("app/a.txt", "a");
        var before = Sum("app");
        Linux.Layers.PathOwner.Set(Path.Combine(Context, "app/a.txt"), 1234, 5678);
        Assert.Equal((uint)1234, Linux.Native.Syscalls.LStat(Path.Combine(Context, "app/a.txt")).Uid);
        Assert.Equal(before, Sum("app"));

        // A RUN binding the context directory itself sees owners: its checksum counts them.
        Assert.NotEqual(
            BuildContext.Load(Context, null, null).Checksum(["app"], withOwners: true),
            BuildContext.Load(Context, null, null).Checksum(["app"]));
        var withOwners = BuildContext.Load(Context, null, null).Checksum(["app"], withOwners: true);
        Linux.Layers.PathOwner.Set(Path.Combine(Context, "app/a.txt"), 1234, 5679);
        Assert.NotEqual(withOwners, BuildContext.Load(Context, null, null).Checksum(["app"], withOwners: true));
    }

    [Fact]
    public void Checksum_changes_when_a_file_is_added_under_a_copied_directory()
    {
        Write("app/a.txt", "a");
        var before = Sum("app");
        Write("app/deep/new.txt", "");
        Assert.NotEqual(before, Sum("app"));
    }

    [Fact]
    public void Checksum_changes_with_a_symlink_target()
    {
        Write("app/a.txt", "a");
        File.CreateSymbolicLink(Path.Combine(Context, "app/link"), "a.txt");
        var before = Sum("app");
        File.Delete(Path.Combine(Context, "app/link"));
        File.CreateSymbolicLink(Path.Combine(Context, "app/link"), "b.txt");
        Assert.NotEqual(before, Sum("app"));
    }

    [Fact]
    public void Checksum_ignores_ignored_files()
    {
        Write(".dockerignore", "app/*.log\n");
        Write("app/a.txt", "a");
        Write("app/debug.log", "1");
        var before = Sum("app");
        Write("app/debug.log", "2");
        Write("app/other.log", "3");
        Assert.Equal(before, Sum("app"));
    }

    [Fact]
    public void Checksum_only_covers_the_sources()
    {
        Write("a.txt", "a");
        Write("b.txt", "b");
        var before = Sum("a.txt");
        Write("b.txt", "changed");
        Assert.Equal(before, Sum("a.txt"));
        Assert.NotEqual(before, Sum("b.txt"));
    }

    [Fact]
    public void Missing_source_is_reported_like_build_kit()
    {
        Write("a.txt", "a");
        var context = BuildContext.Load(Context, null, null);
        var error = Assert.Throws<BuildContextException>(() => context.Checksum(["missing.txt"]));
        Assert.Equal("\"/missing.txt\": not found", error.Message);
    }

    [Fact]
    public void A_symlink_loop_is_refused_not_reported_missing()
    {
        Write("a.txt", "a");
        File.CreateSymbolicLink(Path.Combine(Context, "loop"), "loop");
        var context = BuildContext.Load(Context, null, null);

        var error = Assert.Throws<BuildContextException>(() => context.Checksum(["loop/"]));

        Assert.Equal(ImageBuilder.Build.Copying.CopyFailure.Refused, error.Reason);
        Assert.Equal("\"/loop\": a symlink loop (more than 40 symlinks on the way)", error.Message);
        Assert.StartsWith("sha256:", context.Checksum(["."]).ToString()); // the link itself is just a link
    }

    [Fact]
    public void Ignored_source_is_not_found()
    {
        Write(".dockerignore", "secret.txt\n");
        Write("secret.txt", "s");
        var context = BuildContext.Load(Context, null, null);
        Assert.True(context.IsExcluded("secret.txt"));
        Assert.False(context.IsExcluded("other.txt"));
        Assert.Throws<BuildContextException>(() => context.Checksum(["/secret.txt"]));
    }

    [Fact]
    public void Wildcards_match_and_an_empty_wildcard_is_no_error()
    {
        Write("a.txt", "a");
        Write("b.txt", "b");
        Write("c.md", "c");
        var context = BuildContext.Load(Context, null, null);
        var before = context.Checksum(["*.txt"]);
        Assert.Equal(before, context.Checksum(["[ab].txt"]));
        context.Checksum(["*.none"]);
        Write("c.md", "changed");
        Assert.Equal(before, BuildContext.Load(Context, null, null).Checksum(["*.txt"]));
        Write("b.txt", "changed");
        Assert.NotEqual(before, BuildContext.Load(Context, null, null).Checksum(["*.txt"]));
    }

    [Fact]
    public void Reincluded_file_inside_an_ignored_directory_is_in_the_context()
    {
        Write(".dockerignore", "docs\n!docs/keep.md\n");
        Write("docs/drop.md", "d");
        Write("docs/keep.md", "k");
        var context = BuildContext.Load(Context, null, null);
        Assert.True(context.IsExcluded("docs/drop.md"));
        Assert.False(context.IsExcluded("docs/keep.md"));
        var before = context.Checksum(["docs/keep.md"]);
        Write("docs/drop.md", "changed");
        Assert.Equal(before, BuildContext.Load(Context, null, null).Checksum(["docs/keep.md"]));
    }

    [Fact]
    public void Dockerfile_specific_ignore_file_wins()
    {
        Write(".dockerignore", "a.txt\n");
        Write("build/app.Dockerfile.dockerignore", "b.txt\n");
        Write("build/app.Dockerfile", "FROM scratch\n");
        Write("a.txt", "a");
        Write("b.txt", "b");
        var context = BuildContext.Load(Context, Path.Combine(Context, "build/app.Dockerfile"), null);
        Assert.False(context.IsExcluded("a.txt"));
        Assert.True(context.IsExcluded("b.txt"));
    }

    [Fact]
    public void Source_path_is_followed_through_symlinks_inside_the_context()
    {
        Write("real/a.txt", "a");
        File.CreateSymbolicLink(Path.Combine(Context, "link"), "/real");
        var context = BuildContext.Load(Context, null, null);
        var viaLink = context.Checksum(["link"]);
        Write("real/a.txt", "changed");
        Assert.NotEqual(viaLink, BuildContext.Load(Context, null, null).Checksum(["link"]));
    }

    [Fact]
    public void Stat_cache_is_used_until_the_stat_changes()
    {
        Write("a.txt", "a");
        var cachePath = dir.Combine("store", "statcache.json");
        var fresh = Sum("a.txt");
        var first = BuildContext.Load(Context, null, cachePath);
        Assert.Equal(fresh, first.Checksum(["a.txt"]).ToString());
        first.SaveStatCache();
        Assert.True(File.Exists(cachePath));

        // Tamper with the remembered hash: a warm load trusts it while the stat is unchanged ...
        var root = Path.GetFullPath(Context).TrimEnd('/');
        var files = StatCache.Load(cachePath, root);
        files["a.txt"] = files["a.txt"] with { Sha256 = new string('0', 64) };
        StatCache.Save(cachePath, root, files);
        Assert.NotEqual(fresh, BuildContext.Load(Context, null, cachePath).Checksum(["a.txt"]).ToString());

        // ... and re-hashes once the file's stat changes.
        File.SetLastWriteTimeUtc(Path.Combine(Context, "a.txt"), new DateTime(2003, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        Assert.Equal(fresh, BuildContext.Load(Context, null, cachePath).Checksum(["a.txt"]).ToString());
    }

    [Fact]
    public void A_build_that_hashed_nothing_new_leaves_the_stat_cache_as_it_was()
    {
        Write("a.txt", "a");
        Write("b.txt", "b");
        var cachePath = dir.Combine("store", "statcache.json");
        var first = BuildContext.Load(Context, null, cachePath);
        first.Checksum(["a.txt", "b.txt"]);
        first.SaveStatCache();
        var written = File.GetLastWriteTimeUtc(cachePath);
        File.SetLastWriteTimeUtc(cachePath, written.AddHours(-1));

        var warm = BuildContext.Load(Context, null, cachePath);
        warm.Checksum(["a.txt", "b.txt"]);
        warm.SaveStatCache();
        Assert.Equal(written.AddHours(-1), File.GetLastWriteTimeUtc(cachePath));

        Write("b.txt", "changed");
        var changed = BuildContext.Load(Context, null, cachePath);
        changed.Checksum(["a.txt", "b.txt"]);
        changed.SaveStatCache();
        Assert.NotEqual(written.AddHours(-1), File.GetLastWriteTimeUtc(cachePath));
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(Context, "b.txt"))));
        Assert.Equal(hash, StatCache.Load(cachePath, Path.GetFullPath(Context).TrimEnd('/'))["b.txt"].Sha256);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(9)]
    [InlineData(60)]
    public void A_cut_stat_cache_is_an_empty_one(int keep)
    {
        Write("a.txt", "a");
        var cachePath = dir.Combine("store", "statcache");
        var root = Path.GetFullPath(Context).TrimEnd('/');
        StatCache.Save(cachePath, root, new(StringComparer.Ordinal) { ["a.txt"] = new StatCacheRecord(1, 2, 3, 4, 5, new string('a', 64)) });
        Assert.Single(StatCache.Load(cachePath, root));
        File.WriteAllBytes(cachePath, File.ReadAllBytes(cachePath)[..keep]);

        Assert.Empty(StatCache.Load(cachePath, root));
        Assert.Equal(Sum("a.txt"), BuildContext.Load(Context, null, cachePath).Checksum(["a.txt"]).ToString());
    }

    [Fact]
    public void Many_files_hash_deterministically()
    {
        for (var i = 0; i < 300; i++)
        {
            Write($"tree/d{i % 7}/f{i}.txt", $"content {i}");
        }

        Assert.Equal(Sum("tree"), Sum("tree"));
    }
}
