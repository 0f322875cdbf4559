using ImageBuilder.TestSupport;
using static ImageBuilder.Linux.Tests.Layers.LayerFixtures;

namespace ImageBuilder.Linux.Tests.Layers;

/// <summary>Unpacked snapshots stacked as overlayfs lower dirs behave as the layers say.</summary>
public sealed class OverlayLowerDirTests
{
    [RootFact]
    public async Task Whiteouts_and_opaque_directories_hide_what_the_lower_layer_holds()
    {
        using var scratch = new TempDirectory("ibuild-overlay-");
        var (lower, upper, merged) = (scratch.Combine("lower"), scratch.Combine("upper"), scratch.Combine("merged"));
        Directory.CreateDirectory(lower);
        Directory.CreateDirectory(upper);
        Directory.CreateDirectory(merged);
        await LayerScratch.UnpackAsync(
            new RawTar().File("a", "a\n").File("b", "b\n").Directory("d/").File("d/x", "x\n").File("d/y", "y\n").Directory("keep/").File("keep/k", "k\n").ToArray(),
            lower);
        await LayerScratch.UnpackAsync(
            new RawTar().File(".wh.a", string.Empty).Directory("d/").File("d/.wh..wh..opq", string.Empty).File("d/z", "z\n")
                .Directory("keep/").File("keep/.wh.k", string.Empty).ToArray(),
            upper);

        Run($"mount -t overlay overlay -o 'lowerdir={upper}:{lower}' '{merged}'");
        try
        {
            Assert.False(File.Exists(Path.Combine(merged, "a")));
            Assert.Equal("b\n", File.ReadAllText(Path.Combine(merged, "b")));
            Assert.Equal(["z"], Directory.EnumerateFileSystemEntries(Path.Combine(merged, "d")).Select(Path.GetFileName));
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(merged, "keep")));
            Assert.Equal("x\n", File.ReadAllText(Path.Combine(lower, "d", "x"))); // the lower layer itself is untouched
        }
        finally
        {
            Run($"umount '{merged}'");
        }
    }
}
