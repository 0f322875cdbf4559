using System.Formats.Tar;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Core.Tests.Layers;

/// <summary>Other readers of the same layer: the BCL's TarReader and GNU tar.</summary>
public sealed class LayerPackerReaderCompatibilityTests
{
    [Fact]
    public async Task System_Formats_Tar_reads_names_types_modes_owners_links_devices_and_xattrs()
    {
        var tar = (await PackedBlob.PackAsync(SampleTrees.KitchenSink())).Tar();

        var entries = new List<TarEntry>();
        using (var reader = new TarReader(new MemoryStream(tar)))
        {
            while (reader.GetNextEntry(copyData: true) is { } entry)
            {
                entries.Add(entry);
            }
        }

        var byName = entries.ToDictionary(e => e.Name);
        Assert.Equal(19, entries.Count);
        // A PAX archive is ustar headers plus extended headers where a value needs one.
        Assert.Equal(TarEntryFormat.Pax, byName["bin/ping"].Format);
        Assert.Equal(TarEntryFormat.Ustar, byName["bin/sg"].Format);
        Assert.Equal(TarEntryType.Directory, byName["bin/"].EntryType);
        Assert.Equal(
            UnixFileMode.SetUser | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute,
            byName["bin/ping"].Mode);
        Assert.True(byName["bin/sg"].Mode.HasFlag(UnixFileMode.SetGroup));
        Assert.True(byName["tmp/"].Mode.HasFlag(UnixFileMode.StickyBit));
        Assert.Equal((TarEntryType.SymbolicLink, "/bin/busybox"), (byName["bin/sh"].EntryType, byName["bin/sh"].LinkName));
        Assert.Equal((TarEntryType.HardLink, "etc/hosts"), (byName["etc/hosts.link"].EntryType, byName["etc/hosts.link"].LinkName));
        Assert.Equal(TarEntryType.Fifo, byName["dev/fifo"].EntryType);
        var null_ = (PosixTarEntry)byName["dev/null"];
        Assert.Equal((TarEntryType.CharacterDevice, 1, 3), (null_.EntryType, null_.DeviceMajor, null_.DeviceMinor));
        Assert.Equal(TarEntryType.BlockDevice, byName["dev/sda"].EntryType);
        Assert.Equal((1000, 1000), (byName["etc/hosts"].Uid, byName["etc/hosts"].Gid));
        Assert.All(entries.Cast<PosixTarEntry>(), e => Assert.Equal(("", ""), (e.UserName, e.GroupName)));
        Assert.Equal(TarEntryType.RegularFile, byName["etc/.wh.gone"].EntryType);
        Assert.Contains(SampleTrees.VeryLongName, byName.Keys);
        Assert.Contains(SampleTrees.LongName, byName.Keys);
        Assert.Contains(SampleTrees.NonAsciiName, byName.Keys);
        Assert.Equal("../" + SampleTrees.VeryLongName, byName["tmp/link-to-long"].LinkName);
        Assert.Equal("hi", ((PaxTarEntry)byName["bin/ping"]).ExtendedAttributes["SCHILY.xattr.user.comment"]);
        Assert.Equal(FakeFileTree.Time, byName["etc/hosts"].ModificationTime);
        Assert.All(entries.OfType<PaxTarEntry>(), e => Assert.DoesNotContain(e.ExtendedAttributes.Keys, k => k is "atime" or "ctime"));
    }

    [Fact]
    public async Task Gnu_tar_lists_every_entry_with_its_type_mode_owner_and_target()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("layer.tar");
        await File.WriteAllBytesAsync(path, (await PackedBlob.PackAsync(SampleTrees.KitchenSink())).Tar());

        var lines = ExternalTool.Run("tar", "--utc", "--full-time", "--numeric-owner", "-tvf", path)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(f => f[5], f => f);

        Assert.Equal(19, lines.Count);
        Assert.Equal(["drwxr-xr-x", "0/0"], lines["bin/"][..2]);
        Assert.Equal(["-rwsr-xr-x", "0/0", "4"], lines["bin/ping"][..3]);
        Assert.Equal(["-rwxr-sr-x", "0/42"], lines["bin/sg"][..2]);
        Assert.Equal(["lrwxrwxrwx", "->", "/bin/busybox"], [lines["bin/sh"][0], .. lines["bin/sh"][6..]]);
        Assert.Equal(["prw-rw----"], lines["dev/fifo"][..1]);
        Assert.Equal(["crw-rw-rw-", "0/0", "1,3"], lines["dev/null"][..3]);
        Assert.Equal(["brw-rw----", "0/6", "8,0"], lines["dev/sda"][..3]);
        Assert.Equal("-rw-------", lines["etc/.wh.gone"][0]);
        Assert.Equal("-rwxr-xr-x", lines["etc/.wh..wh..opq"][0]);
        Assert.Equal(["hrw-r--r--", "1000/1000"], lines["etc/hosts.link"][..2]);
        Assert.Equal(["link", "to", "etc/hosts"], lines["etc/hosts.link"][6..]);
        Assert.Equal("drwxrwxrwt", lines["tmp/"][0]);
        Assert.Equal(["2024-05-06", "07:08:09"], lines["etc/hosts"][3..5]);
        Assert.Contains(SampleTrees.VeryLongName, lines.Keys);
        Assert.Contains(SampleTrees.LongName, lines.Keys);
        Assert.Contains(SampleTrees.NonAsciiName, lines.Keys);
        Assert.Equal(["->", SampleTrees.NonAsciiName], lines["tmp/ünïcode-link"][6..]);
    }

    [Fact]
    public async Task Gnu_tar_sees_the_xattrs()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("layer.tar");
        await File.WriteAllBytesAsync(path, (await PackedBlob.PackAsync(SampleTrees.KitchenSink())).Tar());

        var lines = ExternalTool.Run("tar", "--xattrs", "--xattrs-include=*", "-tvvf", path)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToList();

        // An entry with xattrs has '*' after its mode, then "x: <length> <name>" lines.
        var ping = lines.FindIndex(f => f.Length > 5 && f[5] == "bin/ping");
        Assert.Equal("-rwsr-xr-x*", lines[ping][0]);
        Assert.Equal(["x:", "20", "security.capability"], lines[ping + 1]);
        Assert.Equal(["x:", "2", "user.comment"], lines[ping + 2]);
        Assert.Equal(1, lines.Count(f => f[0].EndsWith('*')));
        Assert.Equal(2, lines.Count(f => f[0] == "x:"));
    }

    [Theory]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.None)]
    public async Task Gnu_tar_reads_the_blob_as_written(LayerCompression compression)
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("layer.blob");
        var tree = SampleTrees.KitchenSink().GeneratedFile("big", 3 * 1024 * 1024 + 17, seed: 5);
        await File.WriteAllBytesAsync(path, (await PackedBlob.PackAsync(tree, new LayerPackOptions(compression))).Blob);

        var names = ExternalTool.Run("tar", "-tf", path).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(20, names.Length);
        Assert.Equal("big", names[^1]);
    }
}
