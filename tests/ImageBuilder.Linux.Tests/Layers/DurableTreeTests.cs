using ImageBuilder.Linux.Layers;
using ImageBuilder.Linux.Native;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Layers;

/// <summary>Making a snapshot durable: every file and directory of the tree, never through a symlink.</summary>
public sealed class DurableTreeTests
{
    [Fact]
    public void A_file_is_synced_once_by_one_of_its_names_and_a_file_linked_from_a_snapshot_is_not_synced_again()
    {
        using var dir = new TempDirectory();
        var snapshot = Directory.CreateDirectory(dir.Combine("snapshot")).FullName;
        var root = Directory.CreateDirectory(dir.Combine("tree", "app")).Parent!.FullName;
        File.WriteAllText(Path.Combine(snapshot, "unchanged"), "durable since its snapshot");
        Link(Path.Combine(snapshot, "unchanged"), Path.Combine(root, "app", "unchanged"));
        File.WriteAllText(Path.Combine(root, "app", "new"), "written by this step");
        File.WriteAllText(Path.Combine(root, "app", "twice"), "two names in the tree");
        Link(Path.Combine(root, "app", "twice"), Path.Combine(root, "twice-again"));

        var (files, directories) = DurableTree.Collect(root);

        Assert.Equal(2, files.Count);
        Assert.Contains(Path.Combine(root, "app", "new"), files);
        Assert.Single(files, f => f.EndsWith("twice", StringComparison.Ordinal) || f.EndsWith("twice-again", StringComparison.Ordinal));
        Assert.Equal([root, Path.Combine(root, "app")], directories.Order(StringComparer.Ordinal));
    }

    private static void Link(string existing, string name)
    {
        using var ln = System.Diagnostics.Process.Start("ln", [existing, name]);
        ln.WaitForExit();
        Assert.Equal(0, ln.ExitCode);
    }

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
