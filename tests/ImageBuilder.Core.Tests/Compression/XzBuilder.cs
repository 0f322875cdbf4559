using System.Buffers.Binary;
using ImageBuilder.Core.Compression;

namespace ImageBuilder.Core.Tests.Compression;

/// <summary>
/// Assembles .xz files by hand (headers, CRCs, index, footer) around given LZMA2 data, so
/// tests can feed the decoder exact chunk sequences and header fields the xz tool never writes.
/// </summary>
internal sealed class XzBuilder(byte checkType = 1)
{
    private readonly MemoryStream _blocks = new();
    private readonly List<(long Unpadded, long Uncompressed)> _records = [];

    /// <summary>An LZMA2 stored chunk (control 0x01 resets the dictionary, 0x02 does not).</summary>
    public static byte[] StoredChunk(byte control, ReadOnlySpan<byte> data) =>
        [control, (byte)((data.Length - 1) >> 8), (byte)(data.Length - 1), .. data];

    /// <summary>Adds a block whose data is <paramref name="lzma2"/> and whose uncompressed content is <paramref name="content"/>.</summary>
    public XzBuilder Block(
        byte[] lzma2,
        byte[] content,
        long? declaredCompressed = null,
        long? declaredUncompressed = null,
        byte[][]? extraFilters = null,
        byte dictionaryByte = 0)
    {
        var header = new List<byte> { 0, 0 };
        var filters = new List<byte[]>(extraFilters ?? []) { new byte[] { 0x21, 1, dictionaryByte } };
        var flags = (byte)(filters.Count - 1);
        if (declaredCompressed is { } compressed)
        {
            flags |= 0x40;
            header.AddRange(Vli(compressed));
        }

        if (declaredUncompressed is { } uncompressed)
        {
            flags |= 0x80;
            header.AddRange(Vli(uncompressed));
        }

        header[1] = flags;
        filters.ForEach(header.AddRange);
        while ((header.Count + 4) % 4 != 0)
        {
            header.Add(0);
        }

        header[0] = (byte)(((header.Count + 4) / 4) - 1);
        var headerBytes = header.ToArray();
        _blocks.Write(headerBytes);
        WriteUInt32(_blocks, Crc32.Compute(headerBytes));
        _blocks.Write(lzma2);
        for (var i = lzma2.Length; i % 4 != 0; i++)
        {
            _blocks.WriteByte(0);
        }

        var check = Check(content);
        _blocks.Write(check);
        _records.Add((headerBytes.Length + 4 + lzma2.Length + check.Length, content.Length));
        return this;
    }

    /// <summary>The whole stream; <paramref name="records"/> replaces the index records when given.</summary>
    public byte[] Build(IReadOnlyList<(long Unpadded, long Uncompressed)>? records = null)
    {
        var output = new MemoryStream();
        byte[] flags = [0, checkType];
        output.Write([0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0, .. flags]);
        WriteUInt32(output, Crc32.Compute(flags));
        output.Write(_blocks.ToArray());

        var index = new List<byte> { 0 };
        records ??= _records;
        index.AddRange(Vli(records.Count));
        foreach (var (unpadded, uncompressed) in records)
        {
            index.AddRange(Vli(unpadded));
            index.AddRange(Vli(uncompressed));
        }

        while (index.Count % 4 != 0)
        {
            index.Add(0);
        }

        var indexBytes = index.ToArray();
        output.Write(indexBytes);
        WriteUInt32(output, Crc32.Compute(indexBytes));

        var footer = new byte[6];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, (uint)(((indexBytes.Length + 4) / 4) - 1));
        footer[5] = checkType;
        WriteUInt32(output, Crc32.Compute(footer));
        output.Write([.. footer, (byte)'Y', (byte)'Z']);
        return output.ToArray();
    }

    private byte[] Check(byte[] content)
    {
        var check = new byte[checkType switch { 0 => 0, 1 => 4, 4 => 8, 10 => 32, _ => 4 << ((checkType - 1) / 3) }];
        if (checkType == 1)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(check, Crc32.Compute(content));
        }

        return check;
    }

    private static IEnumerable<byte> Vli(long value)
    {
        while (value >= 0x80)
        {
            yield return (byte)(value | 0x80);
            value >>= 7;
        }

        yield return (byte)value;
    }

    private static void WriteUInt32(Stream stream, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        stream.Write(bytes);
    }
}
