using ImageBuilder.Linux.Layers;
using ImageBuilder.Linux.Native;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Layers;

/// <summary>Making a snapshot durable: every file and directory of the tree, never through a symlink.</summary>
public sealed class DurableTreeTests
{
    [Fact]
    public void A_tree_of_many_files_symlinks_and_a_fifo_is_synced_and_left_as_it_was()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("tree")).FullName;
        for (var d = 0; d < 8; d++)
        {
            Directory.CreateDirectory(Path.Combine(root, $"d{d}", "sub"));
            for (var f = 0; f < 20; f++)
            {
                File.WriteAllText(Path.Combine(root, $"d{d}", "sub", $"f{f}"), $"{d}/{f}");
            }
        }

        // Followed, the loop would be walked until ELOOP and the link to /proc would open the host's files.
        File.CreateSymbolicLink(Path.Combine(root, "loop"), ".");
        File.CreateSymbolicLink(Path.Combine(root, "outside"), "/proc");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", Path.Combine(root, "fifo")))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var before = Listing(root);

        DurableTree.Sync(root);

        Assert.Equal(before, Listing(root));
        Assert.Equal(".", new FileInfo(Path.Combine(root, "loop")).LinkTarget);
        Assert.Equal("7/19", File.ReadAllText(Path.Combine(root, "d7", "sub", "f19")));
    }

    [Fact]
    public void A_missing_tree_is_an_error_not_a_silent_success()
    {
        using var dir = new TempDirectory();

        Assert.Throws<LinuxException>(() => DurableTree.Sync(dir.Combine("missing")));
        Assert.Throws<LinuxException>(() => DurableTree.SyncDirectory(dir.Combine("missing")));
    }

    /// <summary>Every entry of the tree, symlinks listed but not followed.</summary>
    private static List<string> Listing(string root)
    {
        var entries = new List<string>();
        foreach (var entry in Directory.EnumerateFileSystemEntries(root))
        {
            entries.Add(entry);
            if (new FileInfo(entry).LinkTarget is null && Directory.Exists(entry))
            {
                entries.AddRange(Listing(entry));
            }
        }

        return [.. entries.Order(StringComparer.Ordinal)];
    }
}
