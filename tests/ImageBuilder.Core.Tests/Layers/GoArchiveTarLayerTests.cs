using ImageBuilder.Core.Layers;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Core.Tests.Layers;

/// <summary>
/// A layer written by Go's archive/tar (testdata/layers/go-archive-tar/generate.go): the
/// library behind docker, containerd, BuildKit and skopeo, mixing PAX, GNU and ustar headers.
/// </summary>
public sealed class GoArchiveTarLayerTests
{
    private static readonly string LongDirectory = "usr/share/" + new string('d', 120);

    private static async Task<RecordingFileTreeWriter> UnpackAsync()
    {
        var blob = await File.ReadAllBytesAsync(RepoPaths.TestData("layers", "go-archive-tar", "layer.tar"));
        return (await LayerTestArchives.UnpackAsync(blob)).Writer;
    }

    [Fact]
    public async Task Every_entry_arrives_in_archive_order()
    {
        var writer = await UnpackAsync();

        Assert.Equal(
            [
                "etc", "etc/shadow", "etc/passwd", "usr", "usr/bin", "usr/bin/newuidmap", "usr/bin/newuidmap-hardlink",
                LongDirectory, LongDirectory + "/pax-file", LongDirectory + "/gnu-file", "usr/bin/long-link",
                "dev", "dev/null", "dev/fifo", "tmp", "var",
            ],
            writer.Writes.Select(c => c.Path));
    }

    [Fact]
    public async Task Pax_time_fraction_binary_xattr_and_setuid_are_kept()
    {
        var writer = await UnpackAsync();

        var tool = writer.Entry("usr/bin/newuidmap");
        Assert.Equal(0x9ed, tool.Mode); // 04755
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddTicks(1_234_567), writer.Entry("etc").ModificationTime);
        Assert.Equal(
            [0x01, 0x00, 0x00, 0x02, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
            tool.ExtendedAttributes["security.capability"]);
        Assert.Equal("go"u8.ToArray(), tool.ExtendedAttributes["user.note"]);
    }

    [Fact]
    public async Task Gnu_long_names_and_links_and_special_files_are_read()
    {
        var writer = await UnpackAsync();

        Assert.Equal("gnu\n"u8.ToArray(), writer.Content(LongDirectory + "/gnu-file"));
        Assert.Equal((1000, 100, 0x1a0), (writer.Entry(LongDirectory + "/gnu-file").Uid, writer.Entry(LongDirectory + "/gnu-file").Gid, writer.Entry(LongDirectory + "/gnu-file").Mode));
        Assert.Equal("/" + LongDirectory + "/gnu-file", writer.Entry("usr/bin/long-link").LinkTarget);
        Assert.Equal("usr/bin/newuidmap", writer.Entry("usr/bin/newuidmap-hardlink").LinkTarget);
        Assert.Equal((FileTreeEntryKind.CharDevice, 1, 3), (writer.Entry("dev/null").Kind, writer.Entry("dev/null").DeviceMajor, writer.Entry("dev/null").DeviceMinor));
        Assert.Equal(FileTreeEntryKind.Fifo, writer.Entry("dev/fifo").Kind);
        Assert.Equal(0x3ff, writer.Entry("tmp").Mode);
        Assert.Equal(FileTreeEntryKind.Whiteout, writer.Entry("etc/shadow").Kind);
        Assert.Contains(new WriterCall(RecordingFileTreeWriter.Opaque, "var"), writer.Calls);
    }
}
