using System.Net.Sockets;
using System.Text;
using ImageBuilder.Core.Layers;
using ImageBuilder.Linux.Layers;
using ImageBuilder.Linux.Native;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Layers;

public sealed class FileTreeReaderTests
{
    private static readonly byte[] Capability =
        [0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];

    [RootFact]
    public void Directories_precede_their_contents_and_whiteouts_precede_siblings_sorted_by_utf8_bytes()
    {
        using var upper = new UpperDirBuilder()
            .Directory("d")
            .File("d/a", "").File("d/B", "").File("d/z", "").File("d/é", "").File("d/\uE000", "").File("d/\uFF21", "").File("d/😀", "")
            .Whiteout("d/zz").XattrWhiteout("d/yy")
            .Directory("d/sub").File("d/sub/x", "")
            .File("top", "");

        var paths = new FileTreeReader().Enumerate(upper.Root).Select(e => e.Path);

        // Code point (= UTF-8 byte) order puts U+1F600 after U+FF21; UTF-16 order would not.
        Assert.Equal(
            ["d", "d/yy", "d/zz", "d/B", "d/a", "d/sub", "d/sub/x", "d/z", "d/é", "d/\uE000", "d/\uFF21", "d/😀", "top"],
            paths);
    }

    [RootFact]
    public void Both_whiteout_forms_become_whiteouts_and_overlay_xattrs_are_never_carried()
    {
        using var upper = new UpperDirBuilder()
            .Whiteout("device-form")
            .XattrWhiteout("xattr-form")
            .File("not-empty", "data").Xattr("not-empty", "trusted.overlay.whiteout", [])
            .Directory("opaque").Opaque("opaque")
            .Directory("has-xwhiteouts").Opaque("has-xwhiteouts", "x")
            .Directory("plain").Xattr("plain", "trusted.overlay.origin", [1, 2, 3]);

        var entries = new FileTreeReader().Enumerate(upper.Root).ToDictionary(e => e.Path);

        Assert.Equal(FileTreeEntryKind.Whiteout, entries["device-form"].Kind);
        Assert.Equal(FileTreeEntryKind.Whiteout, entries["xattr-form"].Kind);
        Assert.Equal((FileTreeEntryKind.RegularFile, 4L), (entries["not-empty"].Kind, entries["not-empty"].Size));
        Assert.True(entries["opaque"].Opaque);
        Assert.False(entries["has-xwhiteouts"].Opaque); // "x" marks xattr whiteouts inside, not opacity
        Assert.False(entries["plain"].Opaque);
        Assert.All(entries.Values, e => Assert.Empty(e.ExtendedAttributes));
    }

    [RootFact]
    public void The_first_name_of_a_hardlinked_file_is_the_file_and_later_names_link_to_it()
    {
        using var upper = new UpperDirBuilder()
            .Directory("a").Directory("b")
            .File("b/original", "shared").Hardlink("b/original", "a/second").Hardlink("b/original", "b/third");

        var entries = new FileTreeReader().Enumerate(upper.Root).Where(e => e.Kind != FileTreeEntryKind.Directory).ToList();

        Assert.Equal(("a/second", FileTreeEntryKind.RegularFile, 6L), (entries[0].Path, entries[0].Kind, entries[0].Size));
        Assert.Equal(("b/original", FileTreeEntryKind.Hardlink, "a/second", 0L), (entries[1].Path, entries[1].Kind, entries[1].LinkTarget, entries[1].Size));
        Assert.Equal(("b/third", FileTreeEntryKind.Hardlink, "a/second"), (entries[2].Path, entries[2].Kind, entries[2].LinkTarget));
    }

    [RootFact]
    public void Modes_owners_times_devices_and_fifos_come_from_lstat()
    {
        using var upper = new UpperDirBuilder()
            .File("setuid", "x").Owner("setuid", 1234, 5678).Chmod("setuid", 0x9ED) /* chown clears setuid */.Time("setuid", DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddTicks(1_234_567))
            .Directory("sticky", mode: 0x3FF)
            .Fifo("fifo", mode: 0x1B0)
            .CharDevice("null", 1, 3)
            .CharDevice("wide", 300, 70_000)
            .BlockDevice("sda1", 8, 1);

        var entries = new FileTreeReader().Enumerate(upper.Root).ToDictionary(e => e.Path);

        var setuid = entries["setuid"];
        Assert.Equal((0x9ED, 1234, 5678), (setuid.Mode, setuid.Uid, setuid.Gid));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddTicks(1_234_567), setuid.ModificationTime);
        Assert.Equal(0x3FF, entries["sticky"].Mode);
        Assert.Equal((FileTreeEntryKind.Fifo, 0x1B0), (entries["fifo"].Kind, entries["fifo"].Mode));
        Assert.Equal((FileTreeEntryKind.CharDevice, 1, 3), (entries["null"].Kind, entries["null"].DeviceMajor, entries["null"].DeviceMinor));
        Assert.Equal((300, 70_000), (entries["wide"].DeviceMajor, entries["wide"].DeviceMinor));
        Assert.Equal((FileTreeEntryKind.BlockDevice, 8, 1), (entries["sda1"].Kind, entries["sda1"].DeviceMajor, entries["sda1"].DeviceMinor));
    }

    [RootFact]
    public void Xattrs_are_read_with_binary_values_including_security_capability()
    {
        using var upper = new UpperDirBuilder()
            .File("ping", "x", mode: 0x1ED).Xattr("ping", "security.capability", Capability).Xattr("ping", "user.note", "é"u8.ToArray())
            .Directory("dir").Xattr("dir", "user.dir", [0, 255]);

        var entries = new FileTreeReader().Enumerate(upper.Root).ToDictionary(e => e.Path);

        Assert.Equal(Capability, entries["ping"].ExtendedAttributes["security.capability"]);
        Assert.Equal("é"u8.ToArray(), entries["ping"].ExtendedAttributes["user.note"]);
        Assert.Equal([0, 255], entries["dir"].ExtendedAttributes["user.dir"]);
    }

    [Fact]
    public void Symlinks_are_reported_never_followed()
    {
        using var outside = new TempDirectory();
        File.WriteAllText(Path.Combine(outside.Path, "secret"), "host");
        using var upper = new UpperDirBuilder().Symlink("escape", outside.Path).Symlink("dangling", "/no/such/target");

        var entries = new FileTreeReader().Enumerate(upper.Root).ToList();

        Assert.Equal(["dangling", "escape"], entries.Select(e => e.Path));
        Assert.All(entries, e => Assert.Equal(FileTreeEntryKind.Symlink, e.Kind));
        Assert.Equal(outside.Path, entries[1].LinkTarget);
    }

    [Fact]
    public void A_root_that_is_a_symlink_is_refused()
    {
        using var real = new TempDirectory();
        using var links = new TempDirectory();
        var root = Path.Combine(links.Path, "root");
        Directory.CreateSymbolicLink(root, real.Path);

        Assert.Throws<IOException>(() => new FileTreeReader().Enumerate(root));
    }

    [Fact]
    public void Opening_content_never_follows_a_symlink_put_in_a_files_place()
    {
        using var upper = new UpperDirBuilder().File("file", "content");
        var reader = new FileTreeReader();
        var entry = Assert.Single(reader.Enumerate(upper.Root));
        using (var stream = reader.OpenRead(upper.Root, entry))
        {
            Assert.Equal("content", new StreamReader(stream).ReadToEnd());
        }

        File.Delete(upper.Full("file"));
        upper.Symlink("file", "/etc/passwd");

        Assert.Equal(40, Assert.Throws<LinuxException>(() => reader.OpenRead(upper.Root, entry)).Errno); // ELOOP
    }

    [Fact]
    public void Long_and_non_ascii_names_are_read_whole()
    {
        var component = new string('l', 255);
        var unicode = "répertoire-日本";
        using var upper = new UpperDirBuilder().Directory(component).Directory($"{component}/{unicode}").File($"{component}/{unicode}/{component}", "deep");

        var entries = new FileTreeReader().Enumerate(upper.Root).ToList();

        Assert.Equal($"{component}/{unicode}/{component}", entries[^1].Path);
        Assert.True(Encoding.UTF8.GetByteCount(entries[^1].Path) > 500);
        Assert.Equal(4L, entries[^1].Size);
    }

    [Fact]
    public void Sockets_are_skipped()
    {
        using var upper = new UpperDirBuilder().File("kept", "");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(upper.Full("socket")));

        Assert.Equal(["kept"], new FileTreeReader().Enumerate(upper.Root).Select(e => e.Path));
    }

    [Fact]
    public void Reading_an_empty_directory_gives_nothing_and_a_missing_one_fails_with_errno()
    {
        using var empty = new TempDirectory();

        Assert.Empty(new FileTreeReader().Enumerate(empty.Path));
        Assert.Equal(2, Assert.Throws<LinuxException>(() => new FileTreeReader().Enumerate(empty.Combine("missing"))).Errno);
    }
}
