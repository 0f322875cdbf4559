using ImageBuilder.Linux.Layers;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Layers;

/// <summary>The store's scratch directory is marked so that ext4 places each tree made in it on its own (FS_TOPDIR_FL, chattr +T).</summary>
public sealed class ScratchPlacementTests
{
    [Ext4Fact]
    public void The_scratch_directory_gets_the_top_directory_flag_and_keeps_it_and_its_trees_do_not_inherit_it()
    {
        using var dir = new TempDirectory();
        var scratch = Directory.CreateDirectory(dir.Combine("tmp")).FullName;
        Assert.DoesNotContain('T', Flags(scratch));

        Assert.True(ScratchPlacement.SpreadTrees(scratch));
        Assert.True(ScratchPlacement.SpreadTrees(scratch));

        Assert.Contains('T', Flags(scratch));
        Assert.DoesNotContain('T', Flags(Directory.CreateDirectory(Path.Combine(scratch, "step")).FullName));
    }

    [Ext4Fact]
    public void A_symlink_to_a_directory_is_not_followed()
    {
        using var dir = new TempDirectory();
        var target = Directory.CreateDirectory(dir.Combine("target")).FullName;
        Directory.CreateSymbolicLink(dir.Combine("link"), target);

        Assert.False(ScratchPlacement.SpreadTrees(dir.Combine("link")));

        Assert.DoesNotContain('T', Flags(target));
    }

    [Fact]
    public void A_missing_directory_or_one_on_another_file_system_is_left_alone_without_an_error()
    {
        using var dir = new TempDirectory();
        Assert.False(ScratchPlacement.SpreadTrees(dir.Combine("missing")));

        // tmpfs keeps no inode flags; the call must not even ask.
        Assert.Equal("tmpfs", ExternalTool.Run("stat", "-f", "-c", "%T", "/dev/shm").Trim());
        var shm = Directory.CreateDirectory($"/dev/shm/ibuild-test-{Guid.NewGuid():N}");
        try
        {
            Assert.False(ScratchPlacement.SpreadTrees(shm.FullName));
        }
        finally
        {
            shm.Delete();
        }
    }

    /// <summary>The directory's inode flags as lsattr prints them ("-------------Te-------").</summary>
    private static string Flags(string directory) => ExternalTool.Run("lsattr", "-d", directory).Split(' ')[0];
}
