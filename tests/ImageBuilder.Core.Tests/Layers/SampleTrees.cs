using System.Text;
using ImageBuilder.Core.Layers;

namespace ImageBuilder.Core.Tests.Layers;

/// <summary>Trees shared by several tests.</summary>
internal static class SampleTrees
{
    // security.capability for cap_net_bind_service+ep (VFS_CAP_REVISION_2): binary, with NULs.
    public static readonly byte[] NetBindCapability =
        [0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];

    public static readonly string LongName = string.Join('/', Enumerable.Range(0, 12).Select(i => $"directory-{i:00}")) + "/file.txt"; // > 100 bytes, splittable
    public static readonly string VeryLongName = "deep/" + new string('n', 200) + "/" + new string('m', 120) + ".txt"; // > 255 bytes
    public const string NonAsciiName = "données/日本語-файл.txt";

    /// <summary>Every kind of entry, in the reader's contract order.</summary>
    public static FakeFileTree KitchenSink() => new FakeFileTree()
        .Directory("bin")
        .File("bin/ping", "ping"u8.ToArray(), mode: 0x9ED /* 04755 */, xattrs: new Dictionary<string, byte[]> { ["security.capability"] = NetBindCapability, ["user.comment"] = "hi"u8.ToArray() })
        .File("bin/sg", "sg", mode: 0x5ED /* 02755 */, uid: 0, gid: 42)
        .Add(new FileTreeEntry { Path = "bin/sh", Kind = FileTreeEntryKind.Symlink, LinkTarget = "/bin/busybox", Mode = 0x1FF, ModificationTime = FakeFileTree.Time })
        .Directory("dev")
        .Add(new FileTreeEntry { Path = "dev/fifo", Kind = FileTreeEntryKind.Fifo, Mode = 0x1B0 /* 0660 */, ModificationTime = FakeFileTree.Time })
        .Add(new FileTreeEntry { Path = "dev/null", Kind = FileTreeEntryKind.CharDevice, Mode = 0x1B6, DeviceMajor = 1, DeviceMinor = 3, ModificationTime = FakeFileTree.Time })
        .Add(new FileTreeEntry { Path = "dev/sda", Kind = FileTreeEntryKind.BlockDevice, Mode = 0x1B0, DeviceMajor = 8, DeviceMinor = 0, Gid = 6, ModificationTime = FakeFileTree.Time })
        .Directory("etc", opaque: true)
        .Add(new FileTreeEntry { Path = "etc/gone", Kind = FileTreeEntryKind.Whiteout, ModificationTime = FakeFileTree.Time })
        .File("etc/hosts", "127.0.0.1 localhost\n", uid: 1000, gid: 1000)
        .Add(new FileTreeEntry { Path = "etc/hosts.link", Kind = FileTreeEntryKind.Hardlink, LinkTarget = "etc/hosts", Mode = 0x1A4, Uid = 1000, Gid = 1000, ModificationTime = FakeFileTree.Time })
        .Directory("tmp", mode: 0x3FF /* 01777 */)
        .File(LongName, "long")
        .File(VeryLongName, "very long")
        .File(NonAsciiName, Encoding.UTF8.GetBytes("unicode"))
        .Add(new FileTreeEntry { Path = "tmp/link-to-long", Kind = FileTreeEntryKind.Symlink, LinkTarget = "../" + VeryLongName, Mode = 0x1FF, ModificationTime = FakeFileTree.Time })
        .Add(new FileTreeEntry { Path = "tmp/ünïcode-link", Kind = FileTreeEntryKind.Symlink, LinkTarget = NonAsciiName, Mode = 0x1FF, ModificationTime = FakeFileTree.Time });
}
