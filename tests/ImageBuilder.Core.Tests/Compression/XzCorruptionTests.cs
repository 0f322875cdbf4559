using System.Buffers.Binary;
using ImageBuilder.Core.Compression;

namespace ImageBuilder.Core.Tests.Compression;

public sealed class XzCorruptionTests
{
    private static readonly byte[] Original = XzTestFiles.Mixed(100_000, seed: 21);
    private static readonly byte[] Valid = XzTestFiles.Compress(Original, "--check=crc64");

    /// <summary>Where the parts of <see cref="Valid"/> (one stream, one block, CRC64) start.</summary>
    private static class Layout
    {
        public static int BlockHeader => 12;

        public static int Data => BlockHeader + ((Valid[BlockHeader] + 1) * 4);

        public static int Footer => Valid.Length - 12;

        public static int Index => Footer - ((BinaryPrimitives.ReadInt32LittleEndian(Valid.AsSpan(Footer + 4)) + 1) * 4);

        public static int Check => Index - 8;
    }

    public static TheoryData<string, int> Places => new()
    {
        { "stream header magic", 1 },
        { "stream flags", 7 },
        { "stream header CRC32", 9 },
        { "block header size", Layout.BlockHeader },
        { "block header filter", Layout.BlockHeader + 3 },
        { "block header CRC32", Layout.Data - 2 },
        { "first LZMA2 control byte", Layout.Data },
        { "first LZMA2 chunk size", Layout.Data + 2 },
        { "compressed data", Layout.Data + 20 },
        { "compressed data, middle", (Layout.Data + Layout.Check) / 2 },
        { "compressed data, last byte", Layout.Check - 2 },
        { "integrity check", Layout.Check + 3 },
        { "index indicator", Layout.Index },
        { "index record count", Layout.Index + 1 },
        { "index record", Layout.Index + 3 },
        { "index CRC32", Layout.Footer - 1 },
        { "stream footer CRC32", Layout.Footer },
        { "stream footer backward size", Layout.Footer + 4 },
        { "stream footer flags", Layout.Footer + 9 },
        { "stream footer magic", Layout.Footer + 11 },
    };

    [Fact]
    public void The_valid_file_decodes()
    {
        Assert.Equal(Original, XzTestFiles.Decode(Valid));
    }

    [Theory]
    [MemberData(nameof(Places))]
    public void A_flipped_byte_is_reported_as_invalid_data(string place, int offset)
    {
        var corrupt = Valid.ToArray();
        corrupt[offset] ^= 0x55;

        var error = Assert.Throws<InvalidDataException>(() => XzTestFiles.Decode(corrupt));
        Assert.StartsWith("xz: ", error.Message);
        Assert.NotEmpty(place);
    }

    [Fact]
    public void Every_truncation_is_reported_as_invalid_data()
    {
        var small = XzTestFiles.Compress(XzTestFiles.Text(3000), "--check=sha256");

        for (var length = 0; length < small.Length; length++)
        {
            Assert.Throws<InvalidDataException>(() => XzTestFiles.Decode(small[..length]));
        }

        for (var length = 0; length < Valid.Length; length += 97)
        {
            Assert.Throws<InvalidDataException>(() => XzTestFiles.Decode(Valid[..length]));
        }
    }

    [Fact]
    public void A_wrong_check_names_the_check_type()
    {
        var corrupt = Valid.ToArray();
        corrupt[Layout.Check] ^= 1;

        var error = Assert.Throws<InvalidDataException>(() => XzTestFiles.Decode(corrupt));
        Assert.Contains("CRC64", error.Message);
    }

    [Fact]
    public void Reading_again_after_an_error_keeps_failing()
    {
        var corrupt = Valid.ToArray();
        corrupt[Layout.Check] ^= 1;
        using var decoder = new XzDecoderStream(new MemoryStream(corrupt));
        var buffer = new byte[1 << 20];

        Assert.Throws<InvalidDataException>(() => decoder.ReadExactly(buffer.AsSpan(0, Original.Length + 1)));
        Assert.Throws<InvalidDataException>(() => decoder.Read(buffer));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 })]
    [InlineData(new byte[] { 0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00 })]
    public void Empty_foreign_or_cut_short_input_is_invalid_data(byte[] input)
    {
        Assert.Throws<InvalidDataException>(() => XzTestFiles.Decode(input));
    }

    [Theory]
    [InlineData(new byte[] { 1 })]
    [InlineData(new byte[] { 0, 0, 0 })]
    [InlineData(new byte[] { 0, 0, 0, 0, 0xFD })]
    public void Trailing_garbage_or_ragged_stream_padding_is_invalid_data(byte[] trailer)
    {
        Assert.Throws<InvalidDataException>(() => XzTestFiles.Decode([.. Valid, .. trailer]));
    }

    [Fact]
    public void A_dictionary_larger_than_the_limit_is_refused_before_allocating()
    {
        // The LZMA2 filter is the block's only filter: flags, id 0x21, size 1, dictionary byte.
        var corrupt = Valid.ToArray();
        var header = corrupt.AsSpan(Layout.BlockHeader, Layout.Data - Layout.BlockHeader);
        Assert.Equal(0x21, header[2]);
        header[4] = 40;
        BinaryPrimitives.WriteUInt32LittleEndian(header[^4..], Crc32.Compute(header[..^4]));

        var error = Assert.Throws<InvalidDataException>(() => XzTestFiles.Decode(corrupt));
        Assert.Contains("exceeds", error.Message);
    }

    [Fact]
    public void The_x86_filter_is_reported_as_unsupported()
    {
        var xz = XzTestFiles.Compress(Original, "--x86", "--lzma2=preset=6");

        var error = Assert.Throws<InvalidDataException>(() => XzTestFiles.Decode(xz));
        Assert.Contains("x86", error.Message);
    }
}
