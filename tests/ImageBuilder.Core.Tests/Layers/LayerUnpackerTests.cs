using System.Formats.Tar;
using System.Text;
using ImageBuilder.Core.Layers;
using ImageBuilder.TestSupport;
using static ImageBuilder.Core.Tests.Layers.LayerTestArchives;

namespace ImageBuilder.Core.Tests.Layers;

public sealed class LayerUnpackerTests
{
    [Fact]
    public async Task Whiteouts_become_whiteout_entries_and_opaque_markers_mark_their_directory()
    {
        var tar = new RawTar()
            .Directory("etc/")
            .File("etc/.wh.shadow", string.Empty)
            .File(".wh.top", string.Empty)
            .Directory("var/")
            .File("var/.wh..wh..opq", string.Empty)
            .File("var/.wh..wh.plnk", string.Empty)
            .File("var/.wh..wh.aufs", string.Empty)
            .ToArray();

        var (writer, _) = await UnpackAsync(tar);

        Assert.Equal(FileTreeEntryKind.Whiteout, writer.Entry("etc/shadow").Kind);
        Assert.Equal(FileTreeEntryKind.Whiteout, writer.Entry("top").Kind);
        Assert.Contains(new WriterCall(RecordingFileTreeWriter.Opaque, "var"), writer.Calls);
        Assert.DoesNotContain(writer.Calls, c => c.Path.Contains(".wh.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_whiteout_does_not_hide_what_the_same_layer_created()
    {
        var tar = new RawTar().File("keep", "x").File(".wh.keep", string.Empty).Directory("d/").File("d/f", "f").File(".wh.d", string.Empty).ToArray();

        var (writer, _) = await UnpackAsync(tar);

        Assert.DoesNotContain(writer.Writes, c => c.Entry!.Kind == FileTreeEntryKind.Whiteout);
    }

    [Fact]
    public async Task Directory_times_are_set_after_everything_else()
    {
        var tar = new RawTar()
            .Header(new RawTarHeader("a/", '5') { ModificationTime = 1000 })
            .Header(new RawTarHeader("a/b/", '5') { ModificationTime = 2000 })
            .File("a/b/file", "x")
            .Header(new RawTarHeader("c/", '5') { ModificationTime = 3000 })
            .ToArray();

        var (writer, _) = await UnpackAsync(tar);

        var lastWrite = writer.Calls.FindLastIndex(c => c.Operation == RecordingFileTreeWriter.Write);
        var times = writer.Calls.Skip(lastWrite + 1).ToList();
        Assert.All(times, c => Assert.Equal(RecordingFileTreeWriter.DirectoryTime, c.Operation));
        Assert.Equal(
            new Dictionary<string, long> { ["a"] = 1000, ["a/b"] = 2000, ["c"] = 3000 },
            times.ToDictionary(c => c.Path, c => c.Time!.Value.ToUnixTimeSeconds()));
    }

    [Fact]
    public async Task The_snapshot_is_made_durable_once_everything_is_written()
    {
        var (writer, _) = await UnpackAsync(new RawTar().Directory("d/").File("d/f", "x").ToArray());

        Assert.True(writer.Flushed);
    }

    [Fact]
    public async Task A_directory_replaced_by_another_kind_gets_no_time_for_it_or_its_subdirectories()
    {
        var tar = new RawTar().Directory("d/").Directory("d/sub/").Symlink("d", "elsewhere").Directory("e/").ToArray();

        var (writer, _) = await UnpackAsync(tar);

        Assert.Equal(["e"], writer.Calls.Where(c => c.Operation == RecordingFileTreeWriter.DirectoryTime).Select(c => c.Path));
    }

    [Fact]
    public async Task Every_kind_of_entry_carries_its_metadata()
    {
        var tar = new RawTar()
            .Header(new RawTarHeader("bin/su", '0') { Mode = 0xded, Uid = 0, Gid = 42 }, "su"u8) // 06755
            .Header(new RawTarHeader("tmp/", '5') { Mode = 0x3ff }) // 01777
            .Header(new RawTarHeader("dev/sda", '4') { Mode = 0x1b0, DevMajor = 8, DevMinor = 0 })
            .Header(new RawTarHeader("dev/null", '3') { Mode = 0x1b6, DevMajor = 1, DevMinor = 3 })
            .Header(new RawTarHeader("run/fifo", '6') { Mode = 0x180, Uid = 1000, Gid = 1000 })
            .Header(new RawTarHeader("bin/sh", '2') { LinkName = "/bin/busybox", Uid = 7 })
            .Header(new RawTarHeader("bin/su2", '1') { LinkName = "/bin/su" })
            .ToArray();

        var (writer, _) = await UnpackAsync(tar);

        var su = writer.Entry("bin/su");
        Assert.Equal((FileTreeEntryKind.RegularFile, 0xded, 0, 42, 2L), (su.Kind, su.Mode, su.Uid, su.Gid, su.Size));
        Assert.Equal(Time, su.ModificationTime);
        Assert.Equal(0x3ff, writer.Entry("tmp").Mode);
        Assert.Equal((FileTreeEntryKind.BlockDevice, 8, 0), (writer.Entry("dev/sda").Kind, writer.Entry("dev/sda").DeviceMajor, writer.Entry("dev/sda").DeviceMinor));
        Assert.Equal((FileTreeEntryKind.CharDevice, 1, 3), (writer.Entry("dev/null").Kind, writer.Entry("dev/null").DeviceMajor, writer.Entry("dev/null").DeviceMinor));
        Assert.Equal((FileTreeEntryKind.Fifo, 1000), (writer.Entry("run/fifo").Kind, writer.Entry("run/fifo").Uid));
        Assert.Equal((FileTreeEntryKind.Symlink, "/bin/busybox", 7), (writer.Entry("bin/sh").Kind, writer.Entry("bin/sh").LinkTarget, writer.Entry("bin/sh").Uid));
        Assert.Equal((FileTreeEntryKind.Hardlink, "bin/su"), (writer.Entry("bin/su2").Kind, writer.Entry("bin/su2").LinkTarget));
    }

    [Fact]
    public async Task Pax_xattrs_arrive_byte_for_byte_including_binary_capabilities()
    {
        // cap_setuid,cap_setgid+ep: byte 0xc0 is not UTF-8, which System.Formats.Tar would turn into U+FFFD.
        byte[] capability = [0x01, 0x00, 0x00, 0x02, 0xc0, 0x00, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
        var tar = new RawTar()
            .Pax(("SCHILY.xattr.security.capability", capability), ("SCHILY.xattr.user.empty", []), ("SCHILY.xattr.user.text", "välue"u8.ToArray()))
            .File("bin/newuidmap", "#!")
            .ToArray();

        var (writer, _) = await UnpackAsync(tar);

        var attributes = writer.Entry("bin/newuidmap").ExtendedAttributes;
        Assert.Equal(capability, attributes["security.capability"]);
        Assert.Empty(attributes["user.empty"]);
        Assert.Equal("välue"u8.ToArray(), attributes["user.text"]);
    }

    [Fact]
    public async Task Overlayfs_attributes_in_a_layer_are_dropped()
    {
        var tar = new RawTar()
            .Pax(("SCHILY.xattr.trusted.overlay.redirect", "/etc"u8.ToArray()), ("SCHILY.xattr.trusted.overlay.opaque", "y"u8.ToArray()),
                 ("SCHILY.xattr.user.overlay.origin", "x"u8.ToArray()), ("SCHILY.xattr.user.kept", "1"u8.ToArray()))
            .Directory("d/")
            .ToArray();

        var (writer, _) = await UnpackAsync(tar);

        Assert.Equal(["user.kept"], writer.Entry("d").ExtendedAttributes.Keys);
        Assert.DoesNotContain(writer.Calls, c => c.Operation == RecordingFileTreeWriter.Opaque);
    }

    [Theory]
    [InlineData(TarEntryFormat.Pax)]
    [InlineData(TarEntryFormat.Gnu)]
    [InlineData(TarEntryFormat.Ustar)]
    public async Task Long_names_and_link_targets_survive_each_format(TarEntryFormat format)
    {
        // Ustar can hold 255 characters by splitting at a '/' into prefix and name; PAX and GNU have no limit.
        var directory = format == TarEntryFormat.Ustar ? "u/" + new string('p', 140) : "u/" + new string('p', 300);
        var file = directory + "/" + new string('n', 90);
        var tar = Tar(format, w =>
        {
            if (format != TarEntryFormat.Ustar)
            {
                // (a ustar header cannot split this directory's own name: its last part is over 100 bytes)
                w.WriteEntry(Entry(format, TarEntryType.Directory, directory + "/"));
            }

            w.WriteEntry(Entry(format, TarEntryType.RegularFile, file, "content"));
            var link = Entry(format, TarEntryType.SymbolicLink, "link");
            link.LinkName = format == TarEntryFormat.Ustar ? "../" + new string('t', 97) : "/" + file;
            w.WriteEntry(link);
        });

        var (writer, _) = await UnpackAsync(tar);

        Assert.Equal("content"u8.ToArray(), writer.Content(file));
        Assert.Equal(format == TarEntryFormat.Ustar ? "../" + new string('t', 97) : "/" + file, writer.Entry("link").LinkTarget);
    }

    [Fact]
    public async Task Gnu_long_name_and_long_link_records_apply_to_the_next_entry()
    {
        var name = "g/" + new string('L', 200);
        var target = "g/" + new string('K', 200);
        var tar = new RawTar()
            .GnuLong('L', name).Header(new RawTarHeader("truncated-name", '0') { Gnu = true }, "x"u8)
            .GnuLong('K', target).GnuLong('L', name + "2").Header(new RawTarHeader("t2", '1') { Gnu = true, LinkName = "truncated" })
            .ToArray();

        var (writer, _) = await UnpackAsync(tar);

        Assert.Equal(FileTreeEntryKind.RegularFile, writer.Entry(name).Kind);
        Assert.Equal(target, writer.Entry(name + "2").LinkTarget);
    }

    [Fact]
    public async Task Pax_records_override_gnu_records_and_header_fields()
    {
        var tar = new RawTar()
            .GnuLong('L', "gnu-name")
            .Pax(("path", "pax-name"u8.ToArray()), ("uid", "123456"u8.ToArray()), ("mtime", "1700000000.5"u8.ToArray()), ("size", "3"u8.ToArray()))
            .Header(new RawTarHeader("header-name", '0') { Uid = 1 }, "abc"u8)
            .ToArray();

        var (writer, _) = await UnpackAsync(tar);

        var entry = Assert.Single(writer.Writes).Entry!;
        Assert.Equal(("pax-name", 123456), (entry.Path, entry.Uid));
        Assert.Equal(Time.AddMilliseconds(500), entry.ModificationTime);
    }

    [Fact]
    public async Task Global_pax_headers_are_skipped()
    {
        var tar = new RawTar()
            .Header(new RawTarHeader("pax_global_header", 'g'), Encoding.ASCII.GetBytes("52 comment=0123456789012345678901234567890123456789\n"))
            .File("a", "a")
            .ToArray();

        var (writer, _) = await UnpackAsync(tar);

        Assert.Equal(["a"], writer.Writes.Select(c => c.Path));
    }

    [Fact]
    public async Task A_root_entry_describes_the_snapshot_root()
    {
        var tar = new RawTar().Header(new RawTarHeader("./", '5') { Mode = 0x1ed, ModificationTime = 5 }).File("./a", "a").ToArray();

        var (writer, _) = await UnpackAsync(tar);

        Assert.Equal(FileTreeEntryKind.Directory, writer.Entry(string.Empty).Kind);
        Assert.Contains(writer.Calls, c => c.Operation == RecordingFileTreeWriter.DirectoryTime && c.Path.Length == 0);
        Assert.Equal(FileTreeEntryKind.RegularFile, writer.Entry("a").Kind);
    }
}
