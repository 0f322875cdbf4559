using ImageBuilder.Core.Layers;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Layers;

/// <summary>
/// Hostile layers against the real writer. Every escape aims at a sibling directory the test
/// owns (never at system files), and every test checks that sibling is byte-for-byte untouched.
/// </summary>
public sealed class HostileLayerOnDiskTests
{
    [RootTheory]
    [InlineData("../outside/evil")]
    [InlineData("a/../../outside/evil")]
    [InlineData("./../outside/sub/../evil")]
    public async Task A_name_climbing_out_is_refused_and_named(string name)
    {
        using var scratch = new LayerScratch();

        var error = await scratch.RefusedAsync(new RawTar().Directory("a/").File(name, "pwned").ToArray());

        Assert.Equal((LayerFormatReason.UnsafePath, name), (error.Reason, error.EntryName));
        scratch.Outside.AssertUntouched();
    }

    [RootFact]
    public async Task An_absolute_name_is_contained_in_the_snapshot()
    {
        using var scratch = new LayerScratch();
        var absolute = Path.Combine(scratch.Outside.Path, "evil");

        await scratch.UnpackAsync(new RawTar().File(absolute, "contained").ToArray());

        Assert.Equal("contained", File.ReadAllText(scratch.InSnapshot(absolute.TrimStart('/'))));
        scratch.Outside.AssertUntouched();
    }

    [RootFact]
    public async Task A_file_through_an_absolute_symlink_stays_inside_the_root()
    {
        using var scratch = new LayerScratch();
        var outside = scratch.Outside.Path;

        // The layer first makes the directory the link names, so the write succeeds — inside the root.
        await scratch.UnpackAsync(new RawTar().Directory(outside.TrimStart('/') + "/").Symlink("escape", outside).File("escape/passwd", "pwned").ToArray());

        Assert.Equal("pwned", File.ReadAllText(scratch.InSnapshot(outside.TrimStart('/') + "/passwd")));
        scratch.Outside.AssertUntouched();
    }

    [RootFact]
    public async Task A_file_through_a_symlink_to_nothing_inside_the_root_is_refused()
    {
        using var scratch = new LayerScratch();

        var error = await scratch.RefusedAsync(new RawTar().Symlink("escape", scratch.Outside.Path).File("escape/passwd", "pwned").ToArray());

        Assert.Equal((LayerFormatReason.WriteFailed, "escape/passwd"), (error.Reason, error.EntryName));
        scratch.Outside.AssertUntouched();
    }

    [RootTheory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_climbing_relative_symlink_is_clamped_at_the_root(int climbs)
    {
        using var scratch = new LayerScratch();

        // Followed outside the root, "../outside" and "../../<scratch>/outside" both reach the
        // witness (never anything above the scratch area); clamped at the root they name a
        // directory the layer makes inside the snapshot.
        var scratchName = Path.GetFileName(Path.GetDirectoryName(scratch.Snapshot))!;
        var inside = climbs == 1 ? "outside" : scratchName + "/outside";
        var target = climbs == 1 ? "../outside" : "../../" + scratchName + "/outside";
        await scratch.UnpackAsync(new RawTar().Directory(inside + "/").Symlink("up", target).File("up/evil", "contained").ToArray());

        Assert.Equal("contained", File.ReadAllText(scratch.InSnapshot(inside + "/evil")));
        scratch.Outside.AssertUntouched();
    }

    [RootTheory]
    [InlineData("../outside/secret", LayerFormatReason.UnsafePath)]
    [InlineData("outside-abs", LayerFormatReason.WriteFailed)]
    [InlineData("escape/secret", LayerFormatReason.WriteFailed)]
    [InlineData("rel/secret", LayerFormatReason.WriteFailed)]
    public async Task A_hardlink_cannot_reach_a_file_outside(string target, LayerFormatReason reason)
    {
        using var scratch = new LayerScratch();
        if (target == "outside-abs")
        {
            target = Path.Combine(scratch.Outside.Path, "secret");
        }

        var tar = new RawTar().Symlink("escape", scratch.Outside.Path).Symlink("rel", "../outside").Hardlink("grab", target).ToArray();

        var error = await scratch.RefusedAsync(tar);

        Assert.Equal((reason, "grab"), (error.Reason, error.EntryName));
        scratch.Outside.AssertUntouched();
    }

    [RootFact]
    public async Task A_hardlink_to_a_symlink_links_the_symlink_itself()
    {
        using var scratch = new LayerScratch();
        var secret = Path.Combine(scratch.Outside.Path, "secret");

        await scratch.UnpackAsync(new RawTar().Symlink("s", secret).Hardlink("h", "s").ToArray());

        var link = NodeStatus.Of(scratch.InSnapshot("h"));
        Assert.Equal(("symlink", NodeStatus.Of(scratch.InSnapshot("s")).Inode), (link.Type, link.Inode));
        scratch.Outside.AssertUntouched();
    }

    [RootFact]
    public async Task A_symlink_replacing_a_directory_does_not_carry_later_entries_out()
    {
        using var scratch = new LayerScratch();
        var tar = new RawTar().Directory("d/").File("d/f", "f").Symlink("d", scratch.Outside.Path).File("d/evil", "pwned").ToArray();

        var error = await scratch.RefusedAsync(tar);

        Assert.Equal("d/evil", error.EntryName);
        Assert.Equal("symlink", NodeStatus.Of(scratch.InSnapshot("d")).Type);
        scratch.Outside.AssertUntouched();
    }

    [RootFact]
    public async Task A_regular_file_replaces_a_symlink_instead_of_writing_through_it()
    {
        using var scratch = new LayerScratch();

        await scratch.UnpackAsync(new RawTar().Symlink("f", Path.Combine(scratch.Outside.Path, "secret")).File("f", "replaced").ToArray());

        Assert.Equal(("file", "replaced"), (NodeStatus.Of(scratch.InSnapshot("f")).Type, File.ReadAllText(scratch.InSnapshot("f"))));
        scratch.Outside.AssertUntouched();
    }

    [RootFact]
    public async Task Replacing_a_directory_removes_symlinks_in_it_without_following_them()
    {
        using var scratch = new LayerScratch();
        var tar = new RawTar()
            .Directory("d/").Directory("d/deeper/")
            .Symlink("d/abs", scratch.Outside.Path).Symlink("d/deeper/rel", "../../../outside").Symlink("d/file", Path.Combine(scratch.Outside.Path, "secret"))
            .File("d", "now a file")
            .ToArray();

        await scratch.UnpackAsync(tar);

        Assert.Equal("now a file", File.ReadAllText(scratch.InSnapshot("d")));
        scratch.Outside.AssertUntouched();
    }

    [RootFact]
    public async Task A_directory_entry_over_a_symlink_replaces_the_symlink()
    {
        using var scratch = new LayerScratch();

        await scratch.UnpackAsync(new RawTar().Symlink("l", scratch.Outside.Path).Directory("l/", mode: 0x1ff).ToArray());

        Assert.Equal(("dir", 0x1ff), (NodeStatus.Of(scratch.InSnapshot("l")).Type, NodeStatus.Of(scratch.InSnapshot("l")).Mode));
        scratch.Outside.AssertUntouched();
    }

    [RootTheory]
    [InlineData("l/.wh.secret")]
    [InlineData("l/.wh..wh..opq")]
    public async Task Whiteouts_and_opaque_markers_do_not_pass_through_a_symlink(string name)
    {
        using var scratch = new LayerScratch();

        var error = await scratch.RefusedAsync(new RawTar().Symlink("l", scratch.Outside.Path).File(name, string.Empty).ToArray());

        Assert.Equal((LayerFormatReason.WriteFailed, name), (error.Reason, error.EntryName));
        Assert.Null(NodeStatus.Attribute(scratch.Outside.Path, "trusted.overlay.opaque"));
        scratch.Outside.AssertUntouched();
    }

    [RootFact]
    public async Task Huge_and_negative_sizes_are_refused_after_nothing_escaped()
    {
        using var scratch = new LayerScratch();
        var huge = new byte[12];
        huge[0] = 0x80;
        huge[5] = 0x01; // 2^48 bytes

        var truncated = await scratch.RefusedAsync(new RawTar().File("first", "ok").Header(new RawTarHeader("huge", '0') { RawSize = huge }, "tiny"u8).ToArray(trailer: false));
        var negative = await scratch.RefusedAsync(new RawTar().Header(new RawTarHeader("negative", '0') { RawSize = Enumerable.Repeat((byte)0xff, 12).ToArray() }).ToArray());

        Assert.Equal((LayerFormatReason.Malformed, "huge"), (truncated.Reason, truncated.EntryName));
        Assert.Equal((LayerFormatReason.Malformed, "negative"), (negative.Reason, negative.EntryName));
        scratch.Outside.AssertUntouched();
    }

    [RootFact]
    public async Task A_name_with_a_nul_is_refused()
    {
        using var scratch = new LayerScratch();

        var error = await scratch.RefusedAsync(new RawTar().Pax(("path", "ok\0/../../outside/evil"u8.ToArray())).File("innocent", "pwned").ToArray());

        Assert.Equal(LayerFormatReason.UnsafePath, error.Reason);
        Assert.Equal("ok\0/../../outside/evil", error.EntryName);
        Assert.Empty(Directory.EnumerateFileSystemEntries(scratch.Snapshot));
        scratch.Outside.AssertUntouched();
    }
}
