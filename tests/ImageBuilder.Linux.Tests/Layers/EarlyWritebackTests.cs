using ImageBuilder.Linux.Layers;
using ImageBuilder.Linux.Native;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Layers;

/// <summary>
/// The walk that starts the write-back of a running step's big files: only regular files of the
/// tree, big and recently changed ones, never through a symlink, within its bounds.
/// </summary>
public sealed class EarlyWritebackTests
{
    private const long Big = EarlyWriteback.MinimumSize;

    [Fact]
    public void Big_regular_files_of_the_tree_are_started_and_nothing_through_a_symlink()
    {
        using var dir = new TempDirectory();
        var outside = Directory.CreateDirectory(dir.Combine("outside")).FullName;
        var tree = Directory.CreateDirectory(dir.Combine("upper", "deep", "deeper")).Parent!.Parent!.FullName;
        File.WriteAllBytes(Path.Combine(outside, "big"), new byte[Big * 2]);
        File.WriteAllBytes(Path.Combine(tree, "big"), new byte[Big]);
        File.WriteAllBytes(Path.Combine(tree, "small"), new byte[Big - 1]);
        File.WriteAllBytes(Path.Combine(tree, "deep", "deeper", "big"), new byte[Big]);
        File.CreateSymbolicLink(Path.Combine(tree, "link-to-big"), Path.Combine(outside, "big"));
        Directory.CreateSymbolicLink(Path.Combine(tree, "link-to-dir"), outside);
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", Path.Combine(tree, "fifo")))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        Assert.Equal(2, Syscalls.StartTreeWriteback(tree, Big, 0, maxDepth: 32, maxEntries: 1000));
        Assert.Equal(1, Syscalls.StartTreeWriteback(tree, Big, 0, maxDepth: 0, maxEntries: 1000));
        Assert.Equal(0, Syscalls.StartTreeWriteback(tree, Big, DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds() * 1_000_000, 32, 1000));
    }

    [Fact]
    public void The_walk_stops_after_its_entries_and_a_missing_tree_is_nothing()
    {
        using var dir = new TempDirectory();
        var tree = Directory.CreateDirectory(dir.Combine("upper")).FullName;
        for (var i = 0; i < 3; i++)
        {
            File.WriteAllBytes(Path.Combine(tree, $"big{i}"), new byte[Big]);
        }

        Assert.Equal(3, Syscalls.StartTreeWriteback(tree, Big, 0, 32, maxEntries: 3));
        Assert.Equal(2, Syscalls.StartTreeWriteback(tree, Big, 0, 32, maxEntries: 2));
        Assert.Equal(0, Syscalls.StartTreeWriteback(dir.Combine("missing"), Big, 0, 32, 1000));
    }
}
