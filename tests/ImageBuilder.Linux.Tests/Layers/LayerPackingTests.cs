using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Linux.Layers;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Layers;

/// <summary>The real reader and the packer together, on real upper dirs, checked by other tar readers.</summary>
public sealed class LayerPackingTests
{
    internal static readonly byte[] Capability =
        [0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];

    private static readonly string Deep = string.Join('/', Enumerable.Repeat(new string('p', 60), 5)); // > 255 bytes
    private const string Unicode = "données-日本語";

    // Every kind of object an upper dir holds after a RUN step.
    internal static UpperDirBuilder BuildUpper() => new UpperDirBuilder()
        .Directory("bin")
        .File("bin/ping", "ping!", mode: 0x1ED).Xattr("bin/ping", "security.capability", Capability).Chmod("bin/ping", 0x9ED)
        .File("bin/busybox", "box", mode: 0x1ED).Hardlink("bin/busybox", "bin/sh")
        .Directory("dev").Fifo("dev/initctl").CharDevice("dev/null", 1, 3)
        .Directory("etc").Opaque("etc").File("etc/hosts", "127.0.0.1 localhost\n").Owner("etc/hosts", 1000, 1000)
        .Whiteout("etc/removed").XattrWhiteout("etc/removed-too")
        .Directory("usr").Directory("usr/" + Unicode).File($"usr/{Unicode}/fichier-é.txt", "unicode")
        .Directory("usr/" + Deep.Split('/')[0]).Directory("usr/" + string.Join('/', Deep.Split('/')[..2]))
        .Directory("usr/" + string.Join('/', Deep.Split('/')[..3])).Directory("usr/" + string.Join('/', Deep.Split('/')[..4]))
        .Directory("usr/" + Deep).File($"usr/{Deep}/leaf.txt", "deep")
        .Symlink("usr/link", "../bin/busybox");

    [RootFact]
    public async Task Gnu_tar_lists_the_overlay_upper_dir_as_a_layer()
    {
        using var upper = BuildUpper();
        using var dir = new TempDirectory();
        var path = dir.Combine("layer.tar.gz");
        await PackAsync(upper.Root, path, new LayerPackOptions(LayerCompression.Gzip));

        var lines = ExternalTool.Run("tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-tvvzf", path)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToList();
        // With -vv and --xattrs, GNU tar prints "x: <length> <name>" under an entry for each xattr.
        var ping = lines.FindIndex(f => f.Length > 5 && f[5] == "bin/ping");
        Assert.Equal(["x:", "20", "security.capability"], lines[ping + 1]);
        lines.RemoveAll(f => f[0] == "x:");
        var names = lines.Select(f => f[5]).ToList();

        Assert.Equal(["bin/", "bin/busybox", "bin/ping", "bin/sh", "dev/", "dev/initctl", "dev/null",
            "etc/", "etc/.wh..wh..opq", "etc/.wh.removed", "etc/.wh.removed-too", "etc/hosts"], names[..12]);
        var byName = lines.ToDictionary(f => f[5]);
        Assert.Equal("-rwsr-xr-x*", byName["bin/ping"][0]); // setuid, and xattrs present
        Assert.Equal(["link", "to", "bin/busybox"], byName["bin/sh"][6..]);
        Assert.Equal("prw-r--r--", byName["dev/initctl"][0]);
        Assert.Equal(["crw-rw-rw-", "0/0", "1,3"], byName["dev/null"][..3]);
        Assert.Equal(["-rw-------", "0"], [byName["etc/.wh.removed"][0], byName["etc/.wh.removed"][2]]);
        Assert.Equal(["-rw-------", "0"], [byName["etc/.wh.removed-too"][0], byName["etc/.wh.removed-too"][2]]);
        Assert.Equal("1000/1000", byName["etc/hosts"][1]);
        Assert.Contains($"usr/{Unicode}/fichier-é.txt", names);
        Assert.Contains($"usr/{Deep}/leaf.txt", names);
        Assert.Equal(["->", "../bin/busybox"], byName["usr/link"][6..]);
    }

    [RootFact]
    public async Task Extracting_with_gnu_tar_recreates_the_tree_the_reader_saw()
    {
        using var upper = BuildUpper();
        using var dir = new TempDirectory();
        var path = dir.Combine("layer.tar.gz");
        await PackAsync(upper.Root, path, new LayerPackOptions(LayerCompression.Gzip));
        var extracted = dir.Combine("extracted");
        Directory.CreateDirectory(extracted);

        ExternalTool.Run("tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-xpzf", path, "-C", extracted);

        var expected = new FileTreeReader().Enumerate(upper.Root).SelectMany(AsExtracted).ToDictionary(e => e.Path);
        var actual = new FileTreeReader().Enumerate(extracted).ToDictionary(e => e.Path);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, want) in expected)
        {
            var got = actual[name];
            Assert.Equal(Describe(want), Describe(got));
            Assert.Equal(want.ModificationTime.ToUnixTimeSeconds(), got.ModificationTime.ToUnixTimeSeconds());
        }

        Assert.Equal(Capability, actual["bin/ping"].ExtendedAttributes["security.capability"]);
    }

    [RootFact]
    public async Task System_Formats_Tar_reads_the_zstd_layer()
    {
        using var upper = BuildUpper();
        using var blob = new MemoryStream();
        var layer = await new LayerPacker(new FileTreeReader()).PackAsync(upper.Root, blob, new LayerPackOptions(LayerCompression.Zstd), CancellationToken.None);
        blob.Position = 0;

        using var tar = new MemoryStream();
        using (var zstd = new ZstdSharp.DecompressionStream(blob))
        {
            zstd.CopyTo(tar);
        }

        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(tar.ToArray())), layer.DiffId.ToString());
        tar.Position = 0;
        var entries = new Dictionary<string, TarEntry>();
        using (var reader = new TarReader(tar))
        {
            while (reader.GetNextEntry() is { } entry)
            {
                entries.Add(entry.Name, entry);
            }
        }

        Assert.Equal(TarEntryType.HardLink, entries["bin/sh"].EntryType);
        Assert.True(entries["bin/ping"].Mode.HasFlag(UnixFileMode.SetUser));
        Assert.Equal(TarEntryType.CharacterDevice, entries["dev/null"].EntryType);
        Assert.Equal(TarEntryType.Fifo, entries["dev/initctl"].EntryType);
        Assert.Equal(TarEntryType.RegularFile, entries["etc/.wh..wh..opq"].EntryType);
        Assert.Contains($"usr/{Deep}/leaf.txt", entries.Keys);
        Assert.Contains("SCHILY.xattr.security.capability", ((PaxTarEntry)entries["bin/ping"]).ExtendedAttributes.Keys);
    }

    [RootFact]
    public async Task Packing_the_same_upper_dir_twice_gives_the_same_bytes()
    {
        using var upper = BuildUpper();
        var options = new LayerPackOptions(LayerCompression.Gzip, SourceDateEpoch: DateTimeOffset.FromUnixTimeSeconds(1_600_000_000));

        using var first = new MemoryStream();
        using var second = new MemoryStream();
        var a = await new LayerPacker(new FileTreeReader()).PackAsync(upper.Root, first, options, CancellationToken.None);
        var b = await new LayerPacker(new FileTreeReader()).PackAsync(upper.Root, second, options, CancellationToken.None);

        Assert.Equal(first.ToArray(), second.ToArray());
        Assert.Equal(a, b);
        using var gzip = new GZipStream(new MemoryStream(first.ToArray()), CompressionMode.Decompress);
        using var tar = new MemoryStream();
        gzip.CopyTo(tar);
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(tar.ToArray())), a.DiffId.ToString());
    }

    private static async Task PackAsync(string root, string path, LayerPackOptions options)
    {
        await using var output = File.Create(path);
        await new LayerPacker(new FileTreeReader()).PackAsync(root, output, options, CancellationToken.None);
    }

    // What an entry of the upper dir looks like once a plain tar extraction wrote it to disk.
    private static IEnumerable<FileTreeEntry> AsExtracted(FileTreeEntry entry)
    {
        var slash = entry.Path.LastIndexOf('/');
        switch (entry.Kind)
        {
            case FileTreeEntryKind.Whiteout:
                yield return entry with { Path = entry.Path[..(slash + 1)] + ".wh." + entry.Path[(slash + 1)..], Kind = FileTreeEntryKind.RegularFile, Mode = 0x180 };
                break;
            case FileTreeEntryKind.Directory when entry.Opaque:
                yield return entry with { Opaque = false };
                yield return entry with { Path = entry.Path + "/.wh..wh..opq", Kind = FileTreeEntryKind.RegularFile, Mode = entry.Mode & 0x1FF, Opaque = false };
                break;
            default:
                yield return entry;
                break;
        }
    }

    internal static string Describe(FileTreeEntry e) =>
        $"{e.Path} {e.Kind} {Convert.ToString(e.Mode, 8)} {e.Uid}:{e.Gid} {(e.Kind == FileTreeEntryKind.Directory ? 0 : e.Size)} " +
        $"{e.LinkTarget} {e.DeviceMajor},{e.DeviceMinor} {e.Opaque} " +
        string.Join(",", e.ExtendedAttributes.Select(a => a.Key + "=" + Convert.ToHexString(a.Value)));
}
