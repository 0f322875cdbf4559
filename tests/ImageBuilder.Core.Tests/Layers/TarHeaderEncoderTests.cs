using System.Buffers;
using System.Text;
using ImageBuilder.Core.Layers;

namespace ImageBuilder.Core.Tests.Layers;

public sealed class TarHeaderEncoderTests
{
    [Theory]
    [InlineData(100, false)] // fits the name field exactly
    [InlineData(101, true)] // no '/' to cut at
    public void A_name_without_slashes_needs_pax_only_past_100_bytes(int length, bool pax)
    {
        var entry = Encode(new TarHeader { Name = new string('a', length), TypeFlag = TarTypeFlag.Regular });

        Assert.Equal(pax, entry.Pax is not null);
        Assert.Equal(new string('a', length), entry.Name);
    }

    [Fact]
    public void A_name_whose_last_part_exceeds_100_bytes_needs_pax_even_under_255()
    {
        var name = "dir/" + new string('b', 101);

        var entry = Encode(new TarHeader { Name = name, TypeFlag = TarTypeFlag.Regular });

        Assert.Equal(name, Encoding.UTF8.GetString(entry.Pax!["path"]));
    }

    [Fact]
    public void Pax_extended_headers_have_a_fixed_name_and_no_process_id()
    {
        var output = new ArrayBufferWriter<byte>();
        TarHeaderEncoder.Encode(new TarHeader { Name = "dir/" + new string('c', 300), TypeFlag = TarTypeFlag.Regular }, output);

        var extendedName = Encoding.ASCII.GetString(output.WrittenSpan[..100]).TrimEnd('\0');
        Assert.Equal("PaxHeaders.0/" + new string('c', 87), extendedName);
        Assert.Equal((byte)'x', output.WrittenSpan[156]);
    }

    [Fact]
    public void Sizes_beyond_the_12_byte_octal_field_get_a_pax_size_record()
    {
        var output = new ArrayBufferWriter<byte>();
        const long size = 10L * 1024 * 1024 * 1024;
        TarHeaderEncoder.Encode(new TarHeader { Name = "huge", TypeFlag = TarTypeFlag.Regular, Size = size }, output);

        var records = StrictTar.ParseRecords(ExtendedData(output.WrittenSpan));
        Assert.Equal("10737418240", Encoding.ASCII.GetString(records["size"]));
    }

    [Fact]
    public void Every_header_is_whole_blocks_with_a_valid_checksum()
    {
        var output = new ArrayBufferWriter<byte>();
        TarHeaderEncoder.Encode(new TarHeader { Name = "ü/" + new string('d', 400), TypeFlag = TarTypeFlag.Directory, Mode = 0xFFF }, output);
        var tar = output.WrittenSpan.ToArray().Concat(new byte[1024]).ToArray();

        var entry = Assert.Single(StrictTar.Read(tar)); // checks checksums and alignment
        Assert.Equal(0xFFF, entry.Mode);
    }

    [Fact]
    public void An_xattr_name_with_an_equals_sign_is_refused()
    {
        var header = new TarHeader
        {
            Name = "f",
            TypeFlag = TarTypeFlag.Regular,
            ExtendedAttributes = new Dictionary<string, byte[]> { ["user.a=b"] = [] },
        };

        Assert.Throws<ArgumentException>(() => TarHeaderEncoder.Encode(header, new ArrayBufferWriter<byte>()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(83)] // records around 9 → 10 → 11 bytes and 99 → 100 → 101 bytes
    [InlineData(84)]
    [InlineData(85)]
    [InlineData(86)]
    [InlineData(976)]
    [InlineData(977)]
    [InlineData(978)]
    public void Pax_record_lengths_count_their_own_digits(int valueLength)
    {
        foreach (var key in new[] { "a", "ab", "path", "SCHILY.xattr.user.x" })
        {
            var value = Enumerable.Range(0, valueLength).Select(i => (byte)(i % 251)).ToArray();

            var records = StrictTar.ParseRecords(PaxRecordEncoder.Encode([new(key, value)]));

            Assert.Equal(value, records[key]);
        }
    }

    private static StrictTarEntry Encode(TarHeader header)
    {
        var output = new ArrayBufferWriter<byte>();
        TarHeaderEncoder.Encode(header, output);
        return Assert.Single(StrictTar.Read([.. output.WrittenSpan.ToArray(), .. new byte[1024]]));
    }

    private static byte[] ExtendedData(ReadOnlySpan<byte> headers)
    {
        var size = Convert.ToInt64(Encoding.ASCII.GetString(headers.Slice(124, 11)), 8);
        return headers.Slice(512, (int)size).ToArray();
    }
}
