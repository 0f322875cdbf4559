using System.Formats.Tar;
using System.Security.Cryptography;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.TestSupport;
using static ImageBuilder.Core.Tests.Layers.LayerTestArchives;

namespace ImageBuilder.Core.Tests.Layers;

public sealed class LayerStreamFormatTests
{
    private static byte[] SampleTar() => Tar(TarEntryFormat.Pax, w =>
    {
        w.WriteEntry(Entry(TarEntryFormat.Pax, TarEntryType.Directory, "app/"));
        w.WriteEntry(Entry(TarEntryFormat.Pax, TarEntryType.RegularFile, "app/hello.txt", "hello, layer\n"));
    });

    public static TheoryData<string> Encodings => ["plain", "gzip", "zstd"];

    private static byte[] Encode(string encoding, byte[] tar) => encoding switch
    {
        "gzip" => Gzip(tar),
        "zstd" => Zstd(tar),
        _ => tar,
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public async Task Each_encoding_is_recognised_from_a_stream_that_cannot_seek(string encoding)
    {
        var tar = SampleTar();

        var (writer, _) = await UnpackAsync(Encode(encoding, tar));

        Assert.Equal(["app", "app/hello.txt"], writer.Writes.Select(c => c.Path));
        Assert.Equal("hello, layer\n"u8.ToArray(), writer.Content("app/hello.txt"));
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public async Task DiffId_is_the_sha256_of_the_uncompressed_tar(string encoding)
    {
        var tar = SampleTar();

        var (_, result) = await UnpackAsync(Encode(encoding, tar));

        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(tar)), result.DiffId.ToString());
        Assert.Equal(tar.Length, result.UncompressedSize);
    }

    [Fact]
    public async Task DiffId_covers_bytes_after_the_end_of_archive_marker()
    {
        // GNU tar pads archives to 10 KiB records; the diffID is over every byte, as containerd computes it.
        var tar = new RawTar().File("a", "a").Bytes(new byte[1024 + 9 * 1024]).ToArray(trailer: false);

        var (writer, result) = await UnpackAsync(Gzip(tar));

        Assert.Single(writer.Writes);
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(tar)), result.DiffId.ToString());
        Assert.Equal(tar.Length, result.UncompressedSize);
    }

    [Theory]
    [InlineData(new byte[] { 0x1f, 0x8b, 0x08, 0x00 }, LayerCompression.Gzip)]
    [InlineData(new byte[] { 0x28, 0xb5, 0x2f, 0xfd, 0x00 }, LayerCompression.Zstd)]
    [InlineData(new byte[] { (byte)'e', (byte)'t', (byte)'c', (byte)'/' }, LayerCompression.None)]
    [InlineData(new byte[] { 0x1f }, LayerCompression.None)]
    [InlineData(new byte[0], LayerCompression.None)]
    public void Magic_bytes_decide_the_compression(byte[] head, LayerCompression expected)
    {
        Assert.Equal(expected, LayerStreamFormat.Detect(head));
    }

    [Fact]
    public async Task An_empty_stream_is_an_empty_layer()
    {
        var (writer, result) = await UnpackAsync([]);

        Assert.Empty(writer.Calls);
        Assert.Equal(0, result.UncompressedSize);
    }

    [Fact]
    public async Task A_corrupt_gzip_stream_is_refused_as_malformed()
    {
        var gzip = Gzip(SampleTar());
        gzip.AsSpan(20, 40).Fill(0x55);

        var error = await RefusedAsync(gzip);

        Assert.Equal(LayerFormatReason.Malformed, error.Reason);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("zstd")]
    public async Task A_truncated_compressed_stream_is_refused(string encoding)
    {
        var tar = Tar(TarEntryFormat.Pax, w => w.WriteEntry(Entry(TarEntryFormat.Pax, TarEntryType.RegularFile, "big", new string('x', 100_000))));
        var blob = Encode(encoding, tar);

        var error = await RefusedAsync(blob[..(blob.Length / 2)]);

        Assert.Equal(LayerFormatReason.Malformed, error.Reason);
    }

    [Fact]
    public async Task The_callers_stream_is_left_open()
    {
        var input = new MemoryStream(Gzip(SampleTar()));

        await new LayerUnpacker(new RecordingFileTreeWriter()).UnpackAsync(input, "/snapshot", CancellationToken.None);

        Assert.True(input.CanRead);
    }
}
