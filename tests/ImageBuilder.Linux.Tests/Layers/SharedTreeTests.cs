using ImageBuilder.Core.Layers;
using ImageBuilder.Linux.Layers;
using ImageBuilder.Linux.Native;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Layers;

/// <summary>A tree that shares a snapshot's files: new directories with the old ones' metadata, every other entry a hard link.</summary>
public sealed class SharedTreeTests
{
    private static readonly DateTimeOffset Time = DateTimeOffset.FromUnixTimeSeconds(1_650_000_000);

    private readonly FileTreeWriter writer = new();

    [RootFact]
    public void Directories_are_made_anew_with_their_metadata_and_everything_else_is_the_same_inode()
    {
        using var scratch = new LayerScratch();
        var clone = Directory.CreateDirectory(scratch.Combine("clone")).FullName;
        writer.Write(scratch.Snapshot, new FileTreeEntry { Path = "d", Kind = FileTreeEntryKind.Directory, Mode = 0x1c0, Uid = 7, Gid = 8, ModificationTime = Time }, null);
        writer.Write(scratch.Snapshot, new FileTreeEntry { Path = "d/f", Kind = FileTreeEntryKind.RegularFile, Mode = 0x1a4, Size = 2, ModificationTime = Time }, new MemoryStream("hi"u8.ToArray()));
        writer.Write(scratch.Snapshot, new FileTreeEntry { Path = "d/link", Kind = FileTreeEntryKind.Symlink, LinkTarget = "f", ModificationTime = Time }, null);
        writer.Write(scratch.Snapshot, new FileTreeEntry { Path = "gone", Kind = FileTreeEntryKind.Whiteout, ModificationTime = Time }, null);
        writer.MarkOpaque(scratch.Snapshot, "d");
        using (var directory = Syscalls.OpenResolutionRoot(scratch.InSnapshot("d")))
        using (var readable = Syscalls.OpenDirectoryInRoot(directory, "", pathOnly: false))
        {
            Syscalls.SetExtendedAttribute(readable, "trusted.overlay.origin", "old inode"u8);
            Syscalls.SetTimes(readable, Time);
        }

        Assert.Equal(3, SharedTree.Clone(scratch.Snapshot, clone));

        var (old, copy) = (NodeStatus.Of(scratch.InSnapshot("d")), NodeStatus.Of(Path.Combine(clone, "d")));
        Assert.NotEqual(old.Inode, copy.Inode);
        Assert.Equal(old with { Inode = 0, Links = 0 }, copy with { Inode = 0, Links = 0 });
        Assert.Equal("y"u8.ToArray(), NodeStatus.Attribute(Path.Combine(clone, "d"), "trusted.overlay.opaque"));
        Assert.Null(NodeStatus.Attribute(Path.Combine(clone, "d"), "trusted.overlay.origin"));
        foreach (var shared in new[] { "d/f", "d/link", "gone" })
        {
            Assert.Equal(NodeStatus.Of(scratch.InSnapshot(shared)).Inode, NodeStatus.Of(Path.Combine(clone, shared)).Inode);
            Assert.Equal(2ul, NodeStatus.Of(Path.Combine(clone, shared)).Links);
        }
    }

    [RootFact]
    public void Removing_an_entry_gives_its_parent_back_its_time_and_never_follows_a_symlink()
    {
        using var scratch = new LayerScratch();
        writer.Write(scratch.Snapshot, new FileTreeEntry { Path = "d/f", Kind = FileTreeEntryKind.RegularFile, Mode = 0x1a4, Size = 0, ModificationTime = Time }, new MemoryStream());
        writer.Write(scratch.Snapshot, new FileTreeEntry { Path = "via", Kind = FileTreeEntryKind.Symlink, LinkTarget = "d", ModificationTime = Time }, null);
        writer.SetDirectoryTime(scratch.Snapshot, "d", Time);

        Assert.False(SharedTree.Remove(scratch.Snapshot, "via/f", recursive: false));
        Assert.True(SharedTree.Remove(scratch.Snapshot, "d/f", recursive: false));

        Assert.False(File.Exists(scratch.InSnapshot("d/f")));
        Assert.Equal(Time, NodeStatus.Of(scratch.InSnapshot("d")).ModificationTime);
        Assert.False(SharedTree.Remove(scratch.Snapshot, "d/f", recursive: false));
    }
}
