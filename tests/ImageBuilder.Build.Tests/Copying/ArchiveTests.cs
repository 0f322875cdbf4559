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
    private readonly CopyFixture _f = new();

    public void Dispose() => _f.Dispose();

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
        File.WriteAllBytes(_f.Src(name), content);
        FileCopier.Copy(_f.Source, null, [name], _f.Dest, dest, "/", (options ?? CopyOptions.Default) with { UnpackArchives = true });
    }

    private void AssertExtracted(string directory, uint uid = 10, uint gid = 20)
    {
        Assert.Equal("tool", File.ReadAllText(_f.Dst($"{directory}/pkg/bin/tool")));
        Assert.Equal(0x1ed, ModeOf(_f.Dst($"{directory}/pkg/bin/tool")));
        Assert.Equal((uid, gid), (Stat(_f.Dst($"{directory}/pkg/bin/tool")).Uid, Stat(_f.Dst($"{directory}/pkg/bin/tool")).Gid));
        Assert.Equal("bin/tool", new FileInfo(_f.Dst($"{directory}/pkg/link")).LinkTarget);
    }

    [RootFact]
    public void PlainTarIsExtractedIntoTheDestination()
    {
        Add("anything.bin", Tar(), "/opt");
        AssertExtracted("opt");
    }

    [RootFact]
    public void GzipTarIsRecognisedByContentNotName()
    {
        Add("release.dat", Gzip(Tar()), "/g/");
        AssertExtracted("g");
    }

    [RootFact]
    public void Bzip2TarIsExtracted()
    {
        Add("release.tar.bz2", Bzip2(Tar()), "/b");
        AssertExtracted("b");
    }

    [RootFact]
    public void ChownOverridesTheArchiveOwners()
    {
        Add("r.tgz", Gzip(Tar()), "/c", CopyOptions.Default with { Uid = 1, Gid = 2 });
        AssertExtracted("c", 1, 2);
    }

    [RootFact]
    public void GzipOfSomethingElseIsCopiedAsAFile()
    {
        var data = Gzip("just text, not a tar"u8.ToArray());
        Add("notes.tar.gz", data, "/n/");
        Assert.Equal(data, File.ReadAllBytes(_f.Dst("n/notes.tar.gz")));
    }

    [RootFact]
    public void CopyNeverUnpacks()
    {
        var data = Tar();
        File.WriteAllBytes(_f.Src("a.tar"), data);
        FileCopier.Copy(_f.Source, null, ["a.tar"], _f.Dest, "/k/", "/", CopyOptions.Default);
        Assert.Equal(data, File.ReadAllBytes(_f.Dst("k/a.tar")));
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

        Assert.Equal(capability, Syscalls.GetExtendedAttribute(_f.Dst("x/bin/ping"), "security.capability"));
        Assert.Equal("välue"u8.ToArray(), Syscalls.GetExtendedAttribute(_f.Dst("x/bin/ping"), "user.origin"));
        Assert.Equal(["user.kind"], Syscalls.ListExtendedAttributes(_f.Dst("x/bin")));
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
    public void XzTarsAreExtractedAndBrokenXzIsCopiedAsAFile()
    {
        Add("a.tar.xz", Xz(Tar()), "/x/");
        AssertExtracted("x");

        byte[] broken = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3];
        Add("b.tar.xz", broken, "/y/");
        Assert.Equal(broken, File.ReadAllBytes(_f.Dst("y/b.tar.xz")));
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
    public void HardLinksToNothingTheArchiveWroteToADirectoryOrOutsideAreRefused(string target, string reason)
    {
        var tar = TarOf(new PaxTarEntry(TarEntryType.Directory, "dir/"), FileEntry("a"), new PaxTarEntry(TarEntryType.HardLink, "b") { LinkName = target });

        var error = Assert.Throws<CopyException>(() => Add("links.tar", tar, "/l/"));

        Assert.Equal(CopyFailure.Refused, error.Reason);
        Assert.Equal($"links.tar: entry {reason}", error.Message);
    }

    [RootFact]
    public void HardLinksToAnEarlierEntryOrAFileOfTheDestinationAreMade()
    {
        File.WriteAllText(_f.Dst("existing"), "old");
        var tar = TarOf(FileEntry("a"), new PaxTarEntry(TarEntryType.HardLink, "b") { LinkName = "/a" },
            new PaxTarEntry(TarEntryType.HardLink, "c") { LinkName = "existing" });

        Add("links.tar", tar, "/");

        Assert.Equal((2UL, 2UL), (Stat(_f.Dst("a")).LinkCount, Stat(_f.Dst("existing")).LinkCount));
    }

    [RootTheory]
    [InlineData(300, 1, "its name is 300 bytes, longer than Linux allows (255)")]
    [InlineData(200, 25, "bytes, longer than Linux allows (4095)")]
    public void NamesLongerThanLinuxAllowsAreRefused(int length, int depth, string reason)
    {
        var name = string.Join('/', Enumerable.Repeat(new string('n', length), depth));

        var error = Assert.Throws<CopyException>(() => Add("long.tar", TarOf(FileEntry(name)), "/"));

        Assert.Equal(CopyFailure.Refused, error.Reason);
        Assert.Contains(reason, error.Message);
        Assert.DoesNotContain(name, error.Message); // cut in the middle, so the message stays readable
    }

    [RootFact]
    public void WritingThroughASymlinkLoopIsRefused()
    {
        var tar = TarOf(new PaxTarEntry(TarEntryType.SymbolicLink, "loop") { LinkName = "loop" }, FileEntry("loop/file"));

        var error = Assert.Throws<CopyException>(() => Add("loop.tar", tar, "/"));

        Assert.Equal(CopyFailure.Refused, error.Reason);
        Assert.Equal("loop.tar: entry \"loop/file\": its path runs into a symlink loop", error.Message);
    }

    [RootFact]
    public void WritingThroughASymlinkToNothingIsRefused()
    {
        var tar = TarOf(new PaxTarEntry(TarEntryType.SymbolicLink, "d") { LinkName = "/nowhere" }, FileEntry("d/file"));

        var error = Assert.Throws<CopyException>(() => Add("dangling.tar", tar, "/"));

        Assert.Equal(CopyFailure.Refused, error.Reason);
        Assert.StartsWith("dangling.tar: entry \"d/file\": ", error.Message);
        Assert.Contains("is a symlink that leads to nothing inside the root", error.Message);
    }

    [RootFact]
    public void EntriesClimbingOutOfTheDestinationAreRefused()
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            var file = new PaxTarEntry(TarEntryType.RegularFile, "../../escape") { DataStream = new MemoryStream("x"u8.ToArray()) };
            writer.WriteEntry(file);
        }

        Assert.Throws<CopyException>(() => Add("evil.tar", buffer.ToArray(), "/e/"));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_f.Dest)!, "escape")));
    }
}
