using System.Text;

namespace ImageBuilder.Core.Tests.Compression;

/// <summary>Hand-assembled files: exact LZMA2 chunk sequences and header fields.</summary>
public sealed class XzStructureTests
{
    private static readonly byte[] Hello = Encoding.ASCII.GetBytes("hello, ");
    private static readonly byte[] World = Encoding.ASCII.GetBytes("world\n");

    private static byte[] Lzma2(params byte[][] chunks) => [.. chunks.SelectMany(c => c), 0x00];

    [Fact]
    public void Stored_chunks_with_and_without_dictionary_reset_decode_in_order()
    {
        var xz = new XzBuilder()
            .Block(Lzma2(XzBuilder.StoredChunk(0x01, Hello), XzBuilder.StoredChunk(0x02, World)), [.. Hello, .. World])
            .Build();

        Assert.Equal([.. Hello, .. World], XzTestFiles.Decode(xz));
    }

    [Fact]
    public void Blocks_that_declare_their_sizes_correctly_decode()
    {
        var lzma2 = Lzma2(XzBuilder.StoredChunk(0x01, Hello));
        var xz = new XzBuilder().Block(lzma2, Hello, declaredCompressed: lzma2.Length, declaredUncompressed: Hello.Length).Build();

        Assert.Equal(Hello, XzTestFiles.Decode(xz));
    }

    [Fact]
    public void An_empty_lzma2_block_decodes_to_nothing()
    {
        Assert.Empty(XzTestFiles.Decode(new XzBuilder().Block(Lzma2(), []).Build()));
    }

    [Theory]
    [InlineData(new byte[] { 0x02, 0x00, 0x00, 0x41, 0x00 }, "reset the dictionary")]
    [InlineData(new byte[] { 0x01, 0x00, 0x00, 0x41, 0x03, 0x00, 0x00, 0x41, 0x00 }, "control byte")]
    [InlineData(new byte[] { 0x01, 0x00, 0x00, 0x41, 0x80, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 0, 0, 0x00 }, "properties")]
    [InlineData(new byte[] { 0x01, 0x00, 0x00, 0x41, 0xC0, 0x00, 0x00, 0x00, 0x04, 225, 0, 0, 0, 0, 0, 0x00 }, "properties byte")]
    [InlineData(new byte[] { 0x01, 0x00, 0x00, 0x41, 0xC0, 0x00, 0x00, 0x00, 0x04, 0x0D, 0, 0, 0, 0, 0, 0x00 }, "lc")]
    [InlineData(new byte[] { 0x01, 0x00, 0x00, 0x41, 0xC0, 0x00, 0x00, 0x00, 0x04, 0x00, 1, 0, 0, 0, 0, 0x00 }, "range coder")]
    [InlineData(new byte[] { 0x01, 0x00, 0x00, 0x41, 0xC0, 0x00, 0x00, 0x00, 0x03, 0x00, 0, 0, 0, 0, 0x00 }, "range coder")]
    [InlineData(new byte[] { 0x01, 0x00, 0x00, 0x41, 0xC0, 0x00, 0x00, 0x00, 0x04, 0x00, 0, 0, 0, 0, 0, 0x00 }, "middle of a symbol")]
    public void Malformed_lzma2_chunk_sequences_are_invalid_data(byte[] lzma2, string reason)
    {
        var xz = new XzBuilder().Block(lzma2, [(byte)'A']).Build();

        var error = Assert.Throws<InvalidDataException>(() => XzTestFiles.Decode(xz));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void A_match_before_the_start_of_the_dictionary_is_invalid_data()
    {
        // An LZMA chunk whose range coder bits decode to a match at position 0: all 0xFF
        // after the leading zero makes the first is-match bit 1.
        byte[] lzma2 = [0xE0, 0x00, 0x00, 0x00, 0x09, 0x5D, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00];
        var xz = new XzBuilder().Block(lzma2, [0]).Build();

        var error = Assert.Throws<InvalidDataException>(() => XzTestFiles.Decode(xz));
        Assert.Contains("reaches before the start of the dictionary", error.Message);
    }

    [Theory]
    [InlineData(1, null, "compressed bytes")]
    [InlineData(null, 6L, "more data")]
    [InlineData(null, 8L, "uncompressed bytes")]
    public void Sizes_in_the_block_header_must_match_the_data(int? compressedDelta, long? uncompressed, string reason)
    {
        var lzma2 = Lzma2(XzBuilder.StoredChunk(0x01, Hello));
        var xz = new XzBuilder()
            .Block(lzma2, Hello, declaredCompressed: compressedDelta is { } d ? lzma2.Length + d : null, declaredUncompressed: uncompressed)
            .Build();

        var error = Assert.Throws<InvalidDataException>(() => XzTestFiles.Decode(xz));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void An_index_that_disagrees_with_the_blocks_is_invalid_data()
    {
        var builder = new XzBuilder().Block(Lzma2(XzBuilder.StoredChunk(0x01, Hello)), Hello);

        var wrongSize = Assert.Throws<InvalidDataException>(() => XzTestFiles.Decode(builder.Build([(24, Hello.Length + 1)])));
        var wrongCount = Assert.Throws<InvalidDataException>(() => XzTestFiles.Decode(builder.Build([])));

        Assert.Contains("does not match", wrongSize.Message);
        Assert.Contains("lists 0 blocks", wrongCount.Message);
    }

    [Theory]
    [InlineData((byte)2)]
    [InlineData((byte)15)]
    public void Reserved_check_types_are_refused(byte checkType)
    {
        var xz = new XzBuilder(checkType).Block(Lzma2(XzBuilder.StoredChunk(0x01, Hello)), Hello).Build();

        var error = Assert.Throws<InvalidDataException>(() => XzTestFiles.Decode(xz));
        Assert.Contains("unsupported integrity check", error.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0x0A, 0x00 }, "unsupported filter")]
    [InlineData(new byte[] { 0x03, 0x02, 0x00, 0x00 }, "invalid filter chain")]
    [InlineData(new byte[] { 0x21, 0x01, 0x00 }, "invalid filter chain")]
    public void Unknown_filters_and_malformed_chains_are_refused(byte[] extraFilter, string reason)
    {
        var xz = new XzBuilder().Block(Lzma2(XzBuilder.StoredChunk(0x01, Hello)), Hello, extraFilters: [extraFilter]).Build();

        var error = Assert.Throws<InvalidDataException>(() => XzTestFiles.Decode(xz));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void A_wrong_crc32_check_is_invalid_data()
    {
        var xz = new XzBuilder().Block(Lzma2(XzBuilder.StoredChunk(0x01, Hello)), World).Build();

        var error = Assert.Throws<InvalidDataException>(() => XzTestFiles.Decode(xz));
        Assert.Contains("CRC32 integrity check mismatch", error.Message);
    }

    [Fact]
    public void The_delta_filter_adds_each_byte_to_the_one_distance_earlier()
    {
        byte[] deltas = [1, 2, 1, 1, 1, 1];
        var xz = new XzBuilder()
            .Block(Lzma2(XzBuilder.StoredChunk(0x01, deltas)), [1, 2, 2, 3, 3, 4], extraFilters: [[0x03, 0x01, 0x01]])
            .Build();

        Assert.Equal([1, 2, 2, 3, 3, 4], XzTestFiles.Decode(xz));
    }
}
