using System.Text;
using ImageBuilder.Core.Compression;

namespace ImageBuilder.Core.Tests.Compression;

public sealed class XzPartsTests
{
    private static readonly byte[] CheckInput = Encoding.ASCII.GetBytes("123456789");

    [Fact]
    public void Crc32_matches_the_standard_check_value_in_one_go_and_in_pieces()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute(CheckInput));
        Assert.Equal(0xCBF43926u, Crc32.Append(Crc32.Compute(CheckInput.AsSpan(0, 2)), CheckInput.AsSpan(2)));
        Assert.Equal(0u, Crc32.Compute([]));
    }

    [Fact]
    public void Crc64_matches_the_xz_check_value_in_one_go_and_in_pieces()
    {
        Assert.Equal(0x995DC9BBDF1939FAul, Crc64.Compute(CheckInput));
        Assert.Equal(0x995DC9BBDF1939FAul, Crc64.Append(Crc64.Compute(CheckInput.AsSpan(0, 7)), CheckInput.AsSpan(7)));
    }

    [Fact]
    public void Long_inputs_take_the_eight_byte_path_and_agree_with_the_byte_path()
    {
        var data = XzTestFiles.Noise(1001);
        uint crc32 = 0;
        ulong crc64 = 0;
        foreach (var b in data)
        {
            crc32 = Crc32.Append(crc32, [b]);
            crc64 = Crc64.Append(crc64, [b]);
        }

        Assert.Equal(crc32, Crc32.Compute(data));
        Assert.Equal(crc64, Crc64.Compute(data));
    }

    [Theory]
    [InlineData(0, 4096)]
    [InlineData(1, 6144)]
    [InlineData(18, 2 << 20)]
    [InlineData(22, 8 << 20)]
    [InlineData(28, 64 << 20)]
    [InlineData(37, 3 << 29)]
    public void Dictionary_sizes_decode_from_the_lzma2_property_byte(byte property, int size)
    {
        Assert.Equal(size, Lzma2Decoder.DictionarySize(property));
    }

    [Theory]
    [InlineData(38)]
    [InlineData(40)]
    [InlineData(41)]
    public void Dictionary_sizes_above_the_limit_or_undefined_are_refused(byte property)
    {
        Assert.Throws<InvalidDataException>(() => Lzma2Decoder.DictionarySize(property));
    }

    [Fact]
    public void The_window_starts_small_and_never_exceeds_the_known_block_size()
    {
        var window = new LzWindow();

        window.Reset(64 << 20, uncompressedSize: null);
        Assert.Equal(1 << 20, window.Capacity);

        window.Reset(64 << 20, uncompressedSize: 1000);
        Assert.Equal(1008, window.Capacity);
        Assert.Equal(1008, window.WriteLimit(5000));
    }

    [Fact]
    public void The_window_grows_by_doubling_up_to_the_dictionary_size_then_wraps()
    {
        var window = new LzWindow();
        window.Reset(3 << 20, uncompressedSize: null);
        var sizes = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            window.Position = window.WriteLimit(int.MaxValue);
            sizes.Add(window.Capacity);
            window.CopyOut(new byte[window.Capacity]);
        }

        Assert.Equal([1 << 20, 2 << 20, 3 << 20, 3 << 20], sizes);
        Assert.True(window.IsFull);
    }
}
