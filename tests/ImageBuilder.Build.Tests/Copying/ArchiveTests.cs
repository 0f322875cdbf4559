using System.Formats.Tar;
using System.IO.Compression;
using ICSharpCode.SharpZipLib.BZip2;
using ImageBuilder.Build.Copying;
using ImageBuilder.Linux.Native;
using ImageBuilder.TestSupport;
using static ImageBuilder.Build.Tests.Copying.CopyFixture;

namespace ImageBuilder.Build.Tests.Copying;

/// <summary>ADD's archives: told by content, extracted through the layer reader, hostile entries refused.</summary>
public sealed partial class ArchiveTests : IDisposable
{
    private readonly CopyFixture f = new();

    public void Dispose() => f.Dispose();

    private static byte[] Tar()
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "pkg/") { Mode = (UnixFileMode)0x1ed, Uid = 10, Gid = 20 });
            var file = new PaxTarEntry(TarEntryType.RegularFile, "pkg/bin/tool") { Mode = (UnixFileMode)0x1ed, Uid = 10, Gid = 20 };
            file.DataStream = new MemoryStream("tool"u8.ToArray());
            writer.WriteEntry(file);
            writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "pkg/link") { LinkName = "bin/tool" });
        }

        return buffer.ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return buffer.ToArray();
    }

    private static byte[] Bzip2(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var bzip = new BZip2OutputStream(buffer) { IsStreamOwner = false })
        {
            bzip.Write(data);
        }

        return buffer.ToArray();
    }

    private void Add(string name, byte[] content, string dest, CopyOptions? options = null)
    {
        File.WriteAllBytes(f.Src(name), content);
        FileCopier.Copy(f.Source, null, [name], f.Dest, dest, "/", (options ?? CopyOptions.Default) with { UnpackArchives = true });
    }

    private void AssertExtracted(string directory, uint uid = 10, uint gid = 20)
    {
        Assert.Equal("tool", File.ReadAllText(f.Dst($"{directory}/pkg/bin/tool")));
        Assert.Equal(0x1ed, ModeOf(f.Dst($"{directory}/pkg/bin/tool")));
        Assert.Equal((uid, gid), (Stat(f.Dst($"{directory}/pkg/bin/tool")).Uid, Stat(f.Dst($"{directory}/pkg/bin/tool")).Gid));
        Assert.Equal("bin/tool", new FileInfo(f.Dst($"{directory}/pkg/link")).LinkTarget);
    }

    [RootFact]
    public void Plain_tar_is_extracted_into_the_destination()
    {
        Add("anything.bin", Tar(), "/opt");
        AssertExtracted("opt");
    }

    [RootFact]
    public void Gzip_tar_is_recognised_by_content_not_name()
    {
        Add("release.dat", Gzip(Tar()), "/g/");
        AssertExtracted("g");
    }

    [RootFact]
    public void Bzip2_tar_is_extracted()
    {
        Add("release.tar.bz2", Bzip2(Tar()), "/b");
        AssertExtracted("b");
    }

    [RootFact]
    public void Chown_overrides_the_archive_owners()
    {
        Add("r.tgz", Gzip(Tar()), "/c", CopyOptions.Default with { Uid = 1, Gid = 2 });
        AssertExtracted("c", 1, 2);
    }

    [RootFact]
    public void Gzip_of_something_else_is_copied_as_a_file()
    {
        var data = Gzip("just text, not a tar"u8.ToArray());
        Add("notes.tar.gz", data, "/n/");
        Assert.Equal(data, File.ReadAllBytes(f.Dst("n/notes.tar.gz")));
    }

    [RootFact]
    public void Copy_never_unpacks()
    {
        var data = Tar();
        File.WriteAllBytes(f.Src("a.tar"), data);
        FileCopier.Copy(f.Source, null, ["a.tar"], f.Dest, "/k/", "/", CopyOptions.Default);
        Assert.Equal(data, File.ReadAllBytes(f.Dst("k/a.tar")));
    }

    [RootFact]
    public void Extended_attributes_of_archive_entries_are_kept_byte_for_byte_and_overlayfs_ones_dropped()
    {
        // cap_setuid,cap_setgid+ep: byte 0xc0 is not UTF-8, so only a reader of raw PAX bytes keeps it.
        byte[] capability = [0x01, 0x00, 0x00, 0x02, 0xc0, 0x00, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
        var tar = new RawTar()
            .Pax(("SCHILY.xattr.user.kind", "directory"u8.ToArray()), ("SCHILY.xattr.trusted.overlay.opaque", "y"u8.ToArray()))
            .Directory("bin/")
            .Pax(("SCHILY.xattr.security.capability", capability), ("SCHILY.xattr.user.origin", "välue"u8.ToArray()))
            .File("bin/ping", "#!")
            .ToArray();

        Add("caps.tar", Gzip(tar), "/x/");

        Assert.Equal(capability, Syscalls.GetExtendedAttribute(f.Dst("x/bin/ping"), "security.capability"));
        Assert.Equal("välue"u8.ToArray(), Syscalls.GetExtendedAttribute(f.Dst("x/bin/ping"), "user.origin"));
        Assert.Equal(["user.kind"], Syscalls.ListExtendedAttributes(f.Dst("x/bin")));
    }

    [RootFact]
    public void Names_holding_a_nul_byte_are_refused()
    {
        var pax = new RawTar().Pax(("path", "a\0b"u8.ToArray())).File("ignored", "x").ToArray();
        var link = new RawTar().Pax(("linkpath", "a\0"u8.ToArray())).Hardlink("c", "ignored").ToArray();

        var fromPax = Assert.Throws<CopyException>(() => Add("nul.tar", pax, "/n/"));
        var fromLink = Assert.Throws<CopyException>(() => Add("link.tar", link, "/n/"));

        Assert.Equal((CopyFailure.Refused, CopyFailure.Refused), (fromPax.Reason, fromLink.Reason));
        Assert.Equal("nul.tar: entry \"a\\x00b\": the PAX \"path\" record holds a NUL byte", fromPax.Message);
        Assert.StartsWith("link.tar: entry \"a\\x00\": the PAX \"linkpath\" record holds a NUL byte", fromLink.Message);
    }

    [RootFact]
    public void A_truncated_archive_is_a_broken_archive()
    {
        var tar = new RawTar().File("a", new string('x', 2000)).ToArray()[..1024];

        var error = Assert.Throws<CopyException>(() => Add("cut.tar", tar, "/c/"));

        Assert.Equal(CopyFailure.CannotCopy, error.Reason);
        Assert.StartsWith("cut.tar: broken archive: ", error.Message);
    }

    [RootFact]
    public void Xz_tars_are_extracted_and_broken_xz_is_copied_as_a_file()
    {
        Add("a.tar.xz", Xz(Tar()), "/x/");
        AssertExtracted("x");

        byte[] broken = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3];
        Add("b.tar.xz", broken, "/y/");
        Assert.Equal(broken, File.ReadAllBytes(f.Dst("y/b.tar.xz")));
    }

    private static byte[] TarOf(params TarEntry[] entries)
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in entries)
            {
                writer.WriteEntry(entry);
            }
        }

        return buffer.ToArray();
    }

    private static PaxTarEntry FileEntry(string name) => new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream("x"u8.ToArray()) };

    [RootTheory]
    [InlineData("/etc/passwd", "\"b\": its hard link target \"/etc/passwd\" is not an earlier entry of the archive (nor a file in the destination)")]
    [InlineData("../../../etc/passwd", "\"b\": its hard link target \"../../../etc/passwd\" climbs out of the destination")]
    [InlineData("dir", "\"b\": its hard link target \"dir\" is a directory")]
    public void Hard_links_to_nothing_the_archive_wrote_to_a_directory_or_outside_are_refused(string target, string reason)
    {
        var tar = TarOf(new PaxTarEntry(TarEntryType.Directory, "dir/"), FileEntry("a"), new PaxTarEntry(TarEntryType.HardLink, "b") { LinkName = target });

        var error = Assert.Throws<CopyException>(() => Add("links.tar", tar, "/l/"));

        Assert.Equal(CopyFailure.Refused, error.Reason);
        Assert.Equal($"links.tar: entry {reason}", error.Message);
    }

    [RootFact]
    public void Hard_links_to_an_earlier_entry_or_a_file_of_the_destination_are_made()
    {
        File.WriteAllText(f.Dst("existing"), "old");
        var tar = TarOf(FileEntry("a"), new PaxTarEntry(TarEntryType.HardLink, "b") { LinkName = "/a" },
            new PaxTarEntry(TarEntryType.HardLink, "c") { LinkName = "existing" });

        Add("links.tar", tar, "/");

        Assert.Equal((2UL, 2UL), (Stat(f.Dst("a")).LinkCount, Stat(f.Dst("existing")).LinkCount));
    }

    [RootTheory]
    [InlineData(300, 1, "its name is 300 bytes, longer than Linux allows (255)")]
    [InlineData(200, 25, "bytes, longer than Linux allows (4095)")]
    public void Names_longer_than_linux_allows_are_refused(int length, int depth, string reason)
    {
        var name = string.Join('/', Enumerable.Repeat(new string('n', length), depth));

        var error = Assert.Throws<CopyException>(() => Add("long.tar", TarOf(FileEntry(name)), "/"));

        Assert.Equal(CopyFailure.Refused, error.Reason);
        Assert.Contains(reason, error.Message);
        Assert.DoesNotContain(name, error.Message); // cut in the middle, so the message stays readable
    }

    [RootFact]
    public void Writing_through_a_symlink_loop_is_refused()
    {
        var tar = TarOf(new PaxTarEntry(TarEntryType.SymbolicLink, "loop") { LinkName = "loop" }, FileEntry("loop/file"));

        var error = Assert.Throws<CopyException>(() => Add("loop.tar", tar, "/"));

        Assert.Equal(CopyFailure.Refused, error.Reason);
        Assert.Equal("loop.tar: entry \"loop/file\": its path runs into a symlink loop", error.Message);
    }

    [RootFact]
    public void Writing_through_a_symlink_to_nothing_is_refused()
    {
        var tar = TarOf(new PaxTarEntry(TarEntryType.SymbolicLink, "d") { LinkName = "/nowhere" }, FileEntry("d/file"));

        var error = Assert.Throws<CopyException>(() => Add("dangling.tar", tar, "/"));

        Assert.Equal(CopyFailure.Refused, error.Reason);
        Assert.StartsWith("dangling.tar: entry \"d/file\": ", error.Message);
        Assert.Contains("is a symlink that leads to nothing inside the root", error.Message);
    }

    [RootFact]
    public void Entries_climbing_out_of_the_destination_are_refused()
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            var file = new PaxTarEntry(TarEntryType.RegularFile, "../../escape") { DataStream = new MemoryStream("x"u8.ToArray()) };
            writer.WriteEntry(file);
        }

        Assert.Throws<CopyException>(() => Add("evil.tar", buffer.ToArray(), "/e/"));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(f.Dest)!, "escape")));
    }
}
