using System.IO.Abstractions;
using ImageBuilder.Build.Context;
using ImageBuilder.Dockerfile.Ignore;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Build.Tests.Context;

/// <summary>The context rootless ibuild read outside its user namespace, as the build inside receives it.</summary>
public sealed class BuildContextHandOffTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private string Context => dir.Combine("ctx");

    private string Root => Path.GetFullPath(Context).TrimEnd('/');

    private void Write(string relative, string content)
    {
        var path = Path.Combine(Context, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private DockerIgnore Ignore() => DockerIgnoreFile.Load(new FileSystem(), Root, null);

    [Fact]
    public void The_received_context_gives_the_same_checksums_and_hashes_without_reading_the_files()
    {
        Write("app/a.txt", "a");
        Write("app/sub/b.txt", "b");
        File.CreateSymbolicLink(Path.Combine(Context, "app/link"), "sub/b.txt");
        Write(".dockerignore", "*.log\n");
        Write("skip.log", "ignored");
        var outside = BuildContext.Load(Context, null, null);
        var sum = outside.Checksum(["app", "."]);
        var owned = outside.Checksum(["app"], withOwners: true);
        var handed = outside.ToHandOff(null);

        // The files' content is gone: only hashes carried over can give the same checksum.
        Write("app/a.txt", "A");
        Write("app/sub/b.txt", "B");
        File.SetLastWriteTimeUtc(Path.Combine(Context, "app/a.txt"), File.GetLastWriteTimeUtc(Path.Combine(Context, "app/sub/b.txt")));
        var inside = BuildContext.FromHandOff(handed, Root, null, Ignore(), null);

        Assert.NotNull(inside);
        Assert.Equal(sum, inside.Checksum(["app", "."]));
        Assert.Equal(owned, inside.Checksum(["app"], withOwners: true));
        Assert.NotEqual(sum, BuildContext.Load(Context, null, null).Checksum(["app", "."]));
        Assert.True(inside.IsExcluded("skip.log"));
    }

    [Fact]
    public void Hashes_made_outside_are_saved_in_the_stat_cache_by_the_build_inside()
    {
        Write("a.txt", "a");
        var cachePath = dir.Combine("statcache");
        var outside = BuildContext.Load(Context, null, cachePath);
        outside.Checksum(["a.txt"]);
        var inside = BuildContext.FromHandOff(outside.ToHandOff(null), Root, null, Ignore(), cachePath)!;

        inside.SaveStatCache();

        Assert.Equal(64, StatCache.Load(cachePath, Root)["a.txt"].Sha256.Length);
    }

    [Fact]
    public void A_context_read_for_another_directory_dockerfile_or_ignore_file_is_not_taken()
    {
        Write("a.txt", "a");
        var handed = BuildContext.Load(Context, null, null).ToHandOff(null);

        Assert.Null(BuildContext.FromHandOff(handed, Root + "-other", null, Ignore(), null));
        Assert.Null(BuildContext.FromHandOff(handed, Root, Path.Combine(Root, "Dockerfile.other"), Ignore(), null));
        Write(".dockerignore", "a.txt\n");
        Assert.Null(BuildContext.FromHandOff(handed, Root, null, Ignore(), null));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(40)]
    public void A_cut_or_padded_hand_off_is_not_taken(int keep)
    {
        Write("dir/a.txt", "a");
        Directory.CreateDirectory(Path.Combine(Context, "empty"));
        var handed = BuildContext.Load(Context, null, null).ToHandOff(null);
        var ignore = Ignore();

        Assert.NotNull(BuildContext.FromHandOff(handed, Root, null, ignore, null));
        Assert.Null(BuildContext.FromHandOff(handed[..Math.Min(keep, handed.Length - 1)], Root, null, ignore, null));
        Assert.Null(BuildContext.FromHandOff([.. handed, 0], Root, null, ignore, null));
    }
}
