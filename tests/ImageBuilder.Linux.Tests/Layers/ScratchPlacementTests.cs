using ImageBuilder.Linux.Layers;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Layers;

/// <summary>The store's scratch directory is marked so that ext4 places each tree made in it on its own (FS_TOPDIR_FL, chattr +T).</summary>
public sealed class ScratchPlacementTests
{
    [Ext4Fact]
    public void The_scratch_directory_gets_the_top_directory_flag_and_keeps_it()
    {
        using var dir = new TempDirectory();
        var scratch = Directory.CreateDirectory(dir.Combine("tmp")).FullName;
        Assert.DoesNotContain('T', Flags(scratch));

        ScratchPlacement.SpreadTrees(scratch);
        ScratchPlacement.SpreadTrees(scratch);

        Assert.Contains('T', Flags(scratch));
        Assert.DoesNotContain('T', Flags(Directory.CreateDirectory(Path.Combine(scratch, "step")).FullName));
    }

    [Ext4Fact]
    public void A_symlink_is_not_followed_and_a_missing_directory_is_no_error()
    {
        using var dir = new TempDirectory();
        var target = Directory.CreateDirectory(dir.Combine("target")).FullName;
        Directory.CreateSymbolicLink(dir.Combine("link"), target);

        ScratchPlacement.SpreadTrees(dir.Combine("link"));
        ScratchPlacement.SpreadTrees(dir.Combine("missing"));

        Assert.DoesNotContain('T', Flags(target));
    }

    /// <summary>The directory's inode flags as lsattr prints them ("-------------Te-------").</summary>
    private static string Flags(string directory) => ExternalTool.Run("lsattr", "-d", directory).Split(' ')[0];
}
