using ImageBuilder.Core.Layers;
using ImageBuilder.Linux.Layers;
using ImageBuilder.Linux.Native;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Layers;

/// <summary>The writer on its own: replacing, xattrs on objects that cannot be opened, the root entry.</summary>
public sealed class FileTreeWriterTests
{
    private static readonly DateTimeOffset Time = DateTimeOffset.FromUnixTimeSeconds(1_650_000_000);

    private readonly FileTreeWriter writer = new();

    private static FileTreeEntry Dir(string path, int mode = 0x1ed) => new() { Path = path, Kind = FileTreeEntryKind.Directory, Mode = mode, ModificationTime = Time };

    private static FileTreeEntry FileEntry(string path, string content) =>
        new() { Path = path, Kind = FileTreeEntryKind.RegularFile, Mode = 0x1a4, Size = content.Length, ModificationTime = Time };

    private void WriteFile(string root, string path, string content) =>
        writer.Write(root, FileEntry(path, content), new MemoryStream(System.Text.Encoding.ASCII.GetBytes(content)));

    [RootFact]
    public void A_directory_entry_over_an_existing_directory_keeps_its_contents_and_updates_it()
    {
        using var scratch = new LayerScratch();
        writer.Write(scratch.Snapshot, Dir("d"), null);
        WriteFile(scratch.Snapshot, "d/kept", "kept");

        writer.Write(scratch.Snapshot, Dir("d", mode: 0x1c0), null);

        Assert.Equal("kept", File.ReadAllText(scratch.InSnapshot("d/kept")));
        Assert.Equal(0x1c0, NodeStatus.Of(scratch.InSnapshot("d")).Mode);
    }

    [RootFact]
    public void Any_other_entry_replaces_what_was_there_including_a_whole_directory()
    {
        using var scratch = new LayerScratch();
        writer.Write(scratch.Snapshot, Dir("d"), null);
        WriteFile(scratch.Snapshot, "d/inner", "inner");
        WriteFile(scratch.Snapshot, "f", "old");

        writer.Write(scratch.Snapshot, new FileTreeEntry { Path = "d", Kind = FileTreeEntryKind.Whiteout, ModificationTime = Time }, null);
        WriteFile(scratch.Snapshot, "f", "new");

        Assert.Equal(("char", 0u, 0u), (NodeStatus.Of(scratch.InSnapshot("d")).Type, NodeStatus.Of(scratch.InSnapshot("d")).Major, NodeStatus.Of(scratch.InSnapshot("d")).Minor));
        Assert.Equal("new", File.ReadAllText(scratch.InSnapshot("f")));
    }

    [RootFact]
    public void Xattrs_go_on_symlinks_fifos_and_devices_without_following_them()
    {
        using var scratch = new LayerScratch();
        var attributes = new Dictionary<string, byte[]> { ["trusted.note"] = [0xc0, 0x01], ["user.only-on-files"] = [1] };
        WriteFile(scratch.Snapshot, "target", "t");

        writer.Write(scratch.Snapshot, new FileTreeEntry { Path = "link", Kind = FileTreeEntryKind.Symlink, LinkTarget = "target", ExtendedAttributes = attributes, ModificationTime = Time }, null);
        writer.Write(scratch.Snapshot, new FileTreeEntry { Path = "fifo", Kind = FileTreeEntryKind.Fifo, Mode = 0x180, ExtendedAttributes = attributes, ModificationTime = Time }, null);

        Assert.Equal([0xc0, 0x01], NodeStatus.Attribute(scratch.InSnapshot("link"), "trusted.note"));
        Assert.Equal([0xc0, 0x01], NodeStatus.Attribute(scratch.InSnapshot("fifo"), "trusted.note"));
        Assert.Null(NodeStatus.Attribute(scratch.InSnapshot("target"), "trusted.note"));
        Assert.Null(NodeStatus.Attribute(scratch.InSnapshot("link"), "user.only-on-files")); // the kernel refuses user.* there; skipped
        Assert.Equal(Time, NodeStatus.Of(scratch.InSnapshot("link")).ModificationTime);
    }

    [RootFact]
    public void The_proc_fallback_for_old_kernels_sets_the_symlinks_own_xattr()
    {
        using var scratch = new LayerScratch();
        File.WriteAllText(scratch.InSnapshot("target"), "t");
        File.CreateSymbolicLink(scratch.InSnapshot("link"), "target");
        using var directory = Syscalls.OpenResolutionRoot(scratch.Snapshot);

        Syscalls.SetExtendedAttributeThroughProc(directory, "link", "trusted.fallback", [1, 2, 3]);

        Assert.Equal([1, 2, 3], NodeStatus.Attribute(scratch.InSnapshot("link"), "trusted.fallback"));
        Assert.Null(NodeStatus.Attribute(scratch.InSnapshot("target"), "trusted.fallback"));
        Assert.Throws<ArgumentException>(() => Syscalls.SetExtendedAttributeThroughProc(directory, "../x", "trusted.fallback", [1]));
    }

    [RootFact]
    public void The_root_entry_sets_the_roots_own_mode_and_time()
    {
        using var scratch = new LayerScratch();

        writer.Write(scratch.Snapshot, Dir(string.Empty, mode: 0x1e8), null); // 0750
        writer.SetDirectoryTime(scratch.Snapshot, string.Empty, Time);

        Assert.Equal((0x1e8, Time), (NodeStatus.Of(scratch.Snapshot).Mode, NodeStatus.Of(scratch.Snapshot).ModificationTime));
    }

    [RootFact]
    public void Opaque_marks_a_missing_directory_by_creating_it()
    {
        using var scratch = new LayerScratch();

        writer.MarkOpaque(scratch.Snapshot, "a/b");

        Assert.Equal("y"u8.ToArray(), NodeStatus.Attribute(scratch.InSnapshot("a/b"), "trusted.overlay.opaque"));
        Assert.Equal(0x1ed, NodeStatus.Of(scratch.InSnapshot("a")).Mode);
    }

    [RootTheory]
    [InlineData("../x")]
    [InlineData("/abs")]
    [InlineData("a//b")]
    [InlineData("a/./b")]
    public void Paths_that_are_not_cleaned_and_relative_are_a_caller_error(string path)
    {
        using var scratch = new LayerScratch();

        Assert.Throws<ArgumentException>(() => WriteFile(scratch.Snapshot, path, "x"));
        scratch.Outside.AssertUntouched();
    }

    [RootFact]
    public void Entries_carrying_overlayfs_attributes_are_a_caller_error()
    {
        using var scratch = new LayerScratch();
        var entry = Dir("d") with { ExtendedAttributes = new Dictionary<string, byte[]> { ["trusted.overlay.redirect"] = "/x"u8.ToArray() } };

        Assert.Throws<ArgumentException>(() => writer.Write(scratch.Snapshot, entry, null));
    }
}
