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

    private static readonly Func<bool> Never = () => false;

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

        Assert.Equal(2, Syscalls.StartTreeWriteback(tree, Big, 0, maxDepth: 32, maxEntries: 1000, Never));
        Assert.Equal(1, Syscalls.StartTreeWriteback(tree, Big, 0, maxDepth: 0, maxEntries: 1000, Never));
        Assert.Equal(0, Syscalls.StartTreeWriteback(tree, Big, DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds() * 1_000_000, 32, 1000, Never));
    }

    [Fact]
    public void The_walk_stops_after_its_entries_or_when_told_and_a_missing_tree_is_nothing()
    {
        using var dir = new TempDirectory();
        var tree = Directory.CreateDirectory(dir.Combine("upper")).FullName;
        for (var i = 0; i < 3; i++)
        {
            File.WriteAllBytes(Path.Combine(tree, $"big{i}"), new byte[Big]);
        }

        Assert.Equal(3, Syscalls.StartTreeWriteback(tree, Big, 0, 32, maxEntries: 3, Never));
        Assert.Equal(2, Syscalls.StartTreeWriteback(tree, Big, 0, 32, maxEntries: 2, Never));
        Assert.Equal(0, Syscalls.StartTreeWriteback(dir.Combine("missing"), Big, 0, 32, 1000, Never));
        Assert.Equal(0, Syscalls.StartTreeWriteback(tree, Big, 0, 32, 1000, () => true));
    }

    [Fact]
    public void While_it_watches_a_tree_a_big_file_written_there_has_its_write_back_started_and_disposing_ends_it()
    {
        using var dir = new TempDirectory();
        var tree = Directory.CreateDirectory(dir.Combine("upper")).FullName;
        var watching = EarlyWriteback.Start(tree, dirtyThreshold: 0, TimeSpan.FromMilliseconds(20));
        WriteInChunks(Path.Combine(tree, "big"), Big * 3);

        SpinWait.SpinUntil(() => watching.Started > 0, TimeSpan.FromSeconds(30));
        watching.Dispose();
        var afterDispose = watching.Started;
        WriteInChunks(Path.Combine(tree, "later"), Big * 3);
        Thread.Sleep(100);

        Assert.True(afterDispose > 0);
        Assert.Equal(afterDispose, watching.Started);
    }

    /// <summary>
    /// Writes as a step's program does, 64 KiB per write(2): each write sets the file's time. One
    /// write of the whole file sets it once, at its start, and a walk that saw the file still small
    /// while that write was held up (a loaded machine) never looks at it again.
    /// </summary>
    private static void WriteInChunks(string path, long size)
    {
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        var chunk = new byte[64 * 1024];
        for (long written = 0; written < size; written += chunk.Length)
        {
            file.Write(chunk);
        }
    }
}
