using ImageBuilder.Core.Compression;

namespace ImageBuilder.Core.Tests.Compression;

public sealed class XzRoundTripTests
{
    private static readonly byte[] Sample = XzTestFiles.Mixed(300_000);

    [Theory]
    [InlineData("-0")]
    [InlineData("-6")]
    [InlineData("-9e")]
    public void Presets_of_the_xz_tool_decode_to_the_original(string preset)
    {
        Assert.Equal(Sample, XzTestFiles.Decode(XzTestFiles.Compress(Sample, preset)));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("crc32")]
    [InlineData("crc64")]
    [InlineData("sha256")]
    public void Every_integrity_check_type_decodes_to_the_original(string check)
    {
        Assert.Equal(Sample, XzTestFiles.Decode(XzTestFiles.Compress(Sample, "--check=" + check)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Empty_and_one_byte_inputs_decode_to_the_original(int size)
    {
        var data = XzTestFiles.Text(size);

        Assert.Equal(data, XzTestFiles.Decode(XzTestFiles.Compress(data)));
    }

    [Theory]
    [InlineData("-T1")]
    [InlineData("-T2")]
    public void Multi_block_files_decode_to_the_original(string threads)
    {
        // Multi-threaded xz writes the sizes into each block header; single-threaded does not.
        var xz = XzTestFiles.Compress(Sample, threads, "--block-size=64KiB");

        Assert.Equal(Sample, XzTestFiles.Decode(xz));
    }

    [Fact]
    public void Concatenated_streams_with_stream_padding_decode_to_both_contents()
    {
        var first = XzTestFiles.Text(50_000, seed: 10);
        var second = XzTestFiles.Mixed(70_000, seed: 11);
        byte[] xz = [.. XzTestFiles.Compress(first, "--check=crc32"), 0, 0, 0, 0, .. XzTestFiles.Compress(second, "--check=sha256"), 0, 0, 0, 0, 0, 0, 0, 0];

        Assert.Equal([.. first, .. second], XzTestFiles.Decode(xz));
    }

    [Fact]
    public void Concatenated_empty_streams_decode_to_nothing()
    {
        var empty = XzTestFiles.Compress([]);

        Assert.Empty(XzTestFiles.Decode([.. empty, .. empty, .. empty]));
    }

    [Fact]
    public void Incompressible_data_stored_in_uncompressed_chunks_decodes_to_the_original()
    {
        var data = XzTestFiles.Noise(1_500_000);

        Assert.Equal(data, XzTestFiles.Decode(XzTestFiles.Compress(data, "-6")));
    }

    [Fact]
    public void Highly_compressible_data_decodes_to_the_original()
    {
        var data = new byte[5_000_000];
        data.AsSpan(2_000_000, 1000).Fill((byte)'x');

        Assert.Equal(data, XzTestFiles.Decode(XzTestFiles.Compress(data, "-9")));
    }

    [Fact]
    public void A_dictionary_smaller_than_the_data_wraps_around_correctly()
    {
        var data = XzTestFiles.Mixed(600_000, seed: 5);

        Assert.Equal(data, XzTestFiles.Decode(XzTestFiles.Compress(data, "--lzma2=preset=6,dict=4KiB")));
        Assert.Equal(data, XzTestFiles.Decode(XzTestFiles.Compress(data, "--lzma2=preset=6,dict=64KiB")));
    }

    [Theory]
    [InlineData("1MiB")]
    [InlineData("1536KiB")]
    [InlineData("8MiB")]
    public void The_window_grows_past_its_initial_size_and_wraps_at_the_dictionary_size(string dictionary)
    {
        var data = XzTestFiles.Mixed(3_500_000, seed: 8);

        Assert.Equal(data, XzTestFiles.Decode(XzTestFiles.Compress(data, $"--lzma2=preset=1,dict={dictionary}")));
    }

    [Theory]
    [InlineData("lc=0,lp=0,pb=0")]
    [InlineData("lc=4,lp=0,pb=4")]
    [InlineData("lc=1,lp=3,pb=1")]
    [InlineData("lc=0,lp=4,pb=2")]
    public void Literal_and_position_context_settings_decode_to_the_original(string settings)
    {
        Assert.Equal(Sample, XzTestFiles.Decode(XzTestFiles.Compress(Sample, "--lzma2=preset=1," + settings)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(256)]
    public void The_delta_filter_decodes_to_the_original(int distance)
    {
        var data = XzTestFiles.Mixed(200_000, seed: 6);

        Assert.Equal(data, XzTestFiles.Decode(XzTestFiles.Compress(data, $"--delta=dist={distance}", "--lzma2=preset=6")));
    }

    [Fact]
    public void Reading_one_byte_at_a_time_from_a_trickling_input_gives_the_same_output()
    {
        var data = XzTestFiles.Mixed(120_000, seed: 7);
        var xz = XzTestFiles.Compress(data, "--block-size=40KiB", "--check=sha256");

        Assert.Equal(data, XzTestFiles.Decode(xz, bufferSize: 1, inputChunk: 1));
        Assert.Equal(data, XzTestFiles.Decode(xz, bufferSize: 1000, inputChunk: 3));
    }

    [Fact]
    public void ReadByte_returns_each_byte_then_minus_one()
    {
        var data = XzTestFiles.Text(5000);
        using var decoder = new XzDecoderStream(new MemoryStream(XzTestFiles.Compress(data)));

        var read = new List<byte>();
        int b;
        while ((b = decoder.ReadByte()) >= 0)
        {
            read.Add((byte)b);
        }

        Assert.Equal(data, read);
        Assert.Equal(-1, decoder.ReadByte());
    }

    [Fact]
    public async Task CopyToAsync_decodes_to_the_original()
    {
        using var decoder = new XzDecoderStream(new MemoryStream(XzTestFiles.Compress(Sample)));
        using var output = new MemoryStream();

        await decoder.CopyToAsync(output);

        Assert.Equal(Sample, output.ToArray());
    }

    [Fact]
    public void IsXz_recognises_the_magic_bytes_only()
    {
        Assert.True(XzDecoderStream.IsXz(XzTestFiles.Compress([1, 2, 3])));
        Assert.True(XzDecoderStream.IsXz([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]));
        Assert.False(XzDecoderStream.IsXz([0xFD, 0x37, 0x7A, 0x58, 0x5A]));
        Assert.False(XzDecoderStream.IsXz([0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00]));
        Assert.False(XzDecoderStream.IsXz([]));
    }

    [Fact]
    public void The_compressed_stream_is_closed_unless_asked_to_leave_it_open()
    {
        var xz = XzTestFiles.Compress([1]);
        var closed = new MemoryStream(xz);
        var kept = new MemoryStream(xz);

        new XzDecoderStream(closed).Dispose();
        new XzDecoderStream(kept, leaveOpen: true).Dispose();

        Assert.False(closed.CanRead);
        Assert.True(kept.CanRead);
    }

    [Fact]
    public void The_stream_is_read_only_and_forward_only()
    {
        using var decoder = new XzDecoderStream(new MemoryStream(XzTestFiles.Compress([1])));

        Assert.True(decoder.CanRead);
        Assert.False(decoder.CanSeek);
        Assert.False(decoder.CanWrite);
        Assert.Throws<NotSupportedException>(() => decoder.Length);
        Assert.Throws<NotSupportedException>(() => decoder.Seek(0, SeekOrigin.Begin));
        Assert.Throws<NotSupportedException>(() => decoder.Write([1], 0, 1));
    }
}
