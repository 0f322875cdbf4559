using System.Formats.Tar;
using System.Security.Cryptography;
using ImageBuilder.TestSupport;
using static ImageBuilder.Linux.Tests.Layers.LayerFixtures;

namespace ImageBuilder.Linux.Tests.Layers;

/// <summary>Layers built in code, unpacked by the real writer, compared with lstat and lgetxattr.</summary>
public sealed class LayerUnpackOnDiskTests
{
    // cap_net_raw+ep in the v2 format: magic 0x02000001, permitted bit 13.
    private static readonly byte[] NetRawCapability = [0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    private static byte[] SampleLayer(TarEntryFormat format)
    {
        var tool = Entry(format, TarEntryType.RegularFile, "bin/tool", 0x9ed, Time.AddSeconds(1), "#!/bin/sh\necho tool\n"); // 04755
        if (tool is PaxTarEntry)
        {
            tool = new PaxTarEntry(TarEntryType.RegularFile, "bin/tool", new Dictionary<string, string>
            {
                ["SCHILY.xattr.security.capability"] = System.Text.Encoding.Latin1.GetString(NetRawCapability),
                ["SCHILY.xattr.user.origin"] = "built in code",
            })
            { Mode = (UnixFileMode)0x9ed, ModificationTime = Time.AddSeconds(1), DataStream = new MemoryStream("#!/bin/sh\necho tool\n"u8.ToArray()) };
        }

        var link = Entry(format, TarEntryType.SymbolicLink, "bin/sh", 0x1ff, Time.AddSeconds(2));
        link.LinkName = "tool";
        link.Uid = 1000;
        link.Gid = 1001;
        var hardlink = Entry(format, TarEntryType.HardLink, "bin/tool-again", 0x9ed, Time.AddSeconds(1));
        hardlink.LinkName = "bin/tool";
        var shared = Entry(format, TarEntryType.Directory, "srv/", 0x5fd, Time.AddSeconds(3)); // 02775
        shared.Uid = 1000;
        shared.Gid = 1000;
        var nullDevice = Entry(format, TarEntryType.CharacterDevice, "dev/null", 0x1b6, Time.AddSeconds(4));
        ((PosixTarEntry)nullDevice).DeviceMajor = 1;
        ((PosixTarEntry)nullDevice).DeviceMinor = 3;
        var loop = Entry(format, TarEntryType.BlockDevice, "dev/loop0", 0x1b0, Time.AddSeconds(5));
        ((PosixTarEntry)loop).DeviceMajor = 7;
        ((PosixTarEntry)loop).DeviceMinor = 0;

        return Tar(
            format,
            Entry(format, TarEntryType.Directory, "bin/", 0x1ed, Time.AddSeconds(10)),
            tool,
            link,
            hardlink,
            Entry(format, TarEntryType.Directory, "tmp/", 0x3ff, Time.AddSeconds(11)), // 01777
            shared,
            Entry(format, TarEntryType.RegularFile, "srv/data", 0x1a0, Time.AddSeconds(6), "data\n"),
            Entry(format, TarEntryType.Directory, "dev/", 0x1ed, Time.AddSeconds(12)),
            nullDevice,
            loop,
            Entry(format, TarEntryType.Fifo, "run/fifo", 0x180, Time.AddSeconds(7)),
            Entry(format, TarEntryType.Directory, "etc/", 0x1ed, Time.AddSeconds(13)),
            Entry(format, TarEntryType.RegularFile, "etc/.wh.shadow", 0, Time, string.Empty),
            Entry(format, TarEntryType.Directory, "var/", 0x1ed, Time.AddSeconds(14)),
            Entry(format, TarEntryType.RegularFile, "var/.wh..wh..opq", 0, Time, string.Empty),
            Entry(format, TarEntryType.RegularFile, "var/new", 0x1a4, Time.AddSeconds(8), "new\n"));
    }

    [RootTheory]
    [InlineData(TarEntryFormat.Pax)]
    [InlineData(TarEntryFormat.Ustar)]
    [InlineData(TarEntryFormat.Gnu)]
    public async Task Every_kind_of_entry_lands_with_its_type_mode_owner_and_time(TarEntryFormat format)
    {
        using var scratch = new LayerScratch();
        var tar = SampleLayer(format);

        var result = await scratch.UnpackAsync(tar);

        NodeStatus At(string path) => NodeStatus.Of(scratch.InSnapshot(path));
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(tar)), result.DiffId.ToString());
        Assert.Equal(("file", 0x9ed, 0u, 0u, Time.AddSeconds(1)), (At("bin/tool").Type, At("bin/tool").Mode, At("bin/tool").Uid, At("bin/tool").Gid, At("bin/tool").ModificationTime));
        Assert.Equal("#!/bin/sh\necho tool\n", File.ReadAllText(scratch.InSnapshot("bin/tool")));
        Assert.Equal(("symlink", 1000u, 1001u, Time.AddSeconds(2)), (At("bin/sh").Type, At("bin/sh").Uid, At("bin/sh").Gid, At("bin/sh").ModificationTime));
        Assert.Equal("tool", new FileInfo(scratch.InSnapshot("bin/sh")).LinkTarget);
        Assert.Equal((At("bin/tool").Inode, 2ul), (At("bin/tool-again").Inode, At("bin/tool-again").Links));
        Assert.Equal(("dir", 0x3ff), (At("tmp").Type, At("tmp").Mode));
        Assert.Equal(("dir", 0x5fd, 1000u, 1000u), (At("srv").Type, At("srv").Mode, At("srv").Uid, At("srv").Gid));
        Assert.Equal(("file", 0x1a0), (At("srv/data").Type, At("srv/data").Mode));
        Assert.Equal(("char", 1u, 3u, 0x1b6), (At("dev/null").Type, At("dev/null").Major, At("dev/null").Minor, At("dev/null").Mode));
        Assert.Equal(("block", 7u, 0u, 0x1b0), (At("dev/loop0").Type, At("dev/loop0").Major, At("dev/loop0").Minor, At("dev/loop0").Mode));
        Assert.Equal(("fifo", 0x180), (At("run/fifo").Type, At("run/fifo").Mode));
        Assert.Equal(("dir", 0x1ed), (At("run").Type, At("run").Mode)); // made implicitly
    }

    [RootTheory]
    [InlineData(TarEntryFormat.Pax)]
    [InlineData(TarEntryFormat.Gnu)]
    public async Task Whiteouts_are_char_devices_0_0_and_opaque_directories_carry_the_overlay_xattr(TarEntryFormat format)
    {
        using var scratch = new LayerScratch();

        await scratch.UnpackAsync(SampleLayer(format));

        var whiteout = NodeStatus.Of(scratch.InSnapshot("etc/shadow"));
        Assert.Equal(("char", 0u, 0u, 0), (whiteout.Type, whiteout.Major, whiteout.Minor, whiteout.Mode));
        Assert.Equal("y"u8.ToArray(), NodeStatus.Attribute(scratch.InSnapshot("var"), "trusted.overlay.opaque"));
        Assert.Null(NodeStatus.Attribute(scratch.InSnapshot("etc"), "trusted.overlay.opaque"));
        Assert.False(NodeStatus.Exists(scratch.InSnapshot("etc/.wh.shadow")));
        Assert.False(NodeStatus.Exists(scratch.InSnapshot("var/.wh..wh..opq")));
    }

    [RootFact]
    public async Task Directory_times_are_those_of_the_tar_even_after_their_contents_were_written()
    {
        using var scratch = new LayerScratch();

        await scratch.UnpackAsync(SampleLayer(TarEntryFormat.Pax));

        Assert.Equal(Time.AddSeconds(10), NodeStatus.Of(scratch.InSnapshot("bin")).ModificationTime);
        Assert.Equal(Time.AddSeconds(12), NodeStatus.Of(scratch.InSnapshot("dev")).ModificationTime);
        Assert.Equal(Time.AddSeconds(13), NodeStatus.Of(scratch.InSnapshot("etc")).ModificationTime);
        Assert.Equal(Time.AddSeconds(14), NodeStatus.Of(scratch.InSnapshot("var")).ModificationTime);
    }

    [RootFact]
    public async Task Pax_xattrs_including_security_capability_are_set()
    {
        using var scratch = new LayerScratch();

        await scratch.UnpackAsync(SampleLayer(TarEntryFormat.Pax));

        Assert.Equal(NetRawCapability, NodeStatus.Attribute(scratch.InSnapshot("bin/tool"), "security.capability"));
        Assert.Equal("built in code"u8.ToArray(), NodeStatus.Attribute(scratch.InSnapshot("bin/tool"), "user.origin"));
        Assert.Equal(0x9ed, NodeStatus.Of(scratch.InSnapshot("bin/tool")).Mode); // setuid survived the chown
    }

    [RootFact]
    public async Task A_gzip_layer_made_by_gnu_tar_round_trips_binary_capabilities_owners_and_links()
    {
        using var scratch = new LayerScratch();
        var source = scratch.Combine("source");
        var layer = scratch.Combine("layer.tar.gz");
        Run($"""
            set -e
            mkdir -p '{source}/usr/bin' '{source}/home/app'
            printf 'newuidmap\n' > '{source}/usr/bin/newuidmap'
            chmod 4755 '{source}/usr/bin/newuidmap'
            setcap cap_setuid,cap_setgid+ep '{source}/usr/bin/newuidmap'
            ln '{source}/usr/bin/newuidmap' '{source}/usr/bin/newgidmap'
            ln -s newuidmap '{source}/usr/bin/idmap'
            printf 'profile\n' > '{source}/home/app/.profile'
            chown -R 1000:1000 '{source}/home/app'
            chmod 2750 '{source}/home/app'
            touch -h -d '2021-02-03 04:05:06.789' '{source}/usr/bin/idmap'
            touch -d '2020-01-02 03:04:05' '{source}/home/app' '{source}/home/app/.profile'
            tar --xattrs --xattrs-include='*' --numeric-owner -cf - -C '{source}' . | gzip -9 > '{layer}'
            """);
        var expectedCapability = NodeStatus.Attribute(Path.Combine(source, "usr/bin/newuidmap"), "security.capability");

        await scratch.UnpackAsync(await File.ReadAllBytesAsync(layer));

        var tool = NodeStatus.Of(scratch.InSnapshot("usr/bin/newuidmap"));
        Assert.NotNull(expectedCapability);
        Assert.Contains(expectedCapability, b => b >= 0x80); // the byte System.Formats.Tar would have mangled
        Assert.Equal(expectedCapability, NodeStatus.Attribute(scratch.InSnapshot("usr/bin/newuidmap"), "security.capability"));
        Assert.Equal((0x9ed, 2ul), (tool.Mode, tool.Links));
        Assert.Equal(tool.Inode, NodeStatus.Of(scratch.InSnapshot("usr/bin/newgidmap")).Inode);
        Assert.Equal(NodeStatus.Of(Path.Combine(source, "usr/bin/idmap")).ModificationTime, NodeStatus.Of(scratch.InSnapshot("usr/bin/idmap")).ModificationTime);
        var home = NodeStatus.Of(scratch.InSnapshot("home/app"));
        Assert.Equal((0x5e8, 1000u, 1000u), (home.Mode, home.Uid, home.Gid));
        Assert.Equal(NodeStatus.Of(Path.Combine(source, "home/app")).ModificationTime, home.ModificationTime);
        Assert.Equal("profile\n", File.ReadAllText(scratch.InSnapshot("home/app/.profile")));
    }

    [RootFact]
    public async Task The_go_archive_tar_layer_unpacks_onto_disk()
    {
        using var scratch = new LayerScratch();

        await scratch.UnpackAsync(await File.ReadAllBytesAsync(RepoPaths.TestData("layers", "go-archive-tar", "layer.tar")));

        Assert.Equal(
            [0x01, 0x00, 0x00, 0x02, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
            NodeStatus.Attribute(scratch.InSnapshot("usr/bin/newuidmap"), "security.capability"));
        Assert.Equal("gnu\n", File.ReadAllText(scratch.InSnapshot("usr/share/" + new string('d', 120) + "/gnu-file")));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddTicks(1_234_567), NodeStatus.Of(scratch.InSnapshot("etc")).ModificationTime);
    }
}
