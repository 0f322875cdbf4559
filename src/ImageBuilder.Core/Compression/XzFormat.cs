using System.Buffers.Binary;

namespace ImageBuilder.Core.Compression;

/// <summary>
/// The fixed-size parts of the .xz container: the 12-byte stream header and footer, and
/// variable-length integers. See the .xz file format specification, sections 2.1 and 1.2.
/// </summary>
internal static class XzFormat
{
    public const int StreamHeaderSize = 12;
    public const int StreamFooterSize = 12;

    public static ReadOnlySpan<byte> HeaderMagic => [0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0x00];

    public static ReadOnlySpan<byte> FooterMagic => [(byte)'Y', (byte)'Z'];

    /// <summary>Reads a stream header and returns its check type.</summary>
    public static int ReadStreamHeader(XzInput input)
    {
        Span<byte> header = stackalloc byte[StreamHeaderSize];
        input.ReadExactly(header);
        if (!header[..6].SequenceEqual(HeaderMagic))
        {
            throw new InvalidDataException("xz: not an xz stream (bad magic bytes)");
        }

        if (Crc32.Compute(header.Slice(6, 2)) != BinaryPrimitives.ReadUInt32LittleEndian(header[8..]))
        {
            throw new InvalidDataException("xz: corrupt stream header (CRC32 mismatch)");
        }

        return ParseStreamFlags(header[6], header[7]);
    }

    /// <summary>Reads a stream footer and checks it against the header's check type and the index size.</summary>
    public static void ReadStreamFooter(XzInput input, int checkType, long indexSize)
    {
        Span<byte> footer = stackalloc byte[StreamFooterSize];
        input.ReadExactly(footer);
        if (!footer[10..].SequenceEqual(FooterMagic))
        {
            throw new InvalidDataException("xz: corrupt stream footer (bad magic bytes)");
        }

        if (Crc32.Compute(footer.Slice(4, 6)) != BinaryPrimitives.ReadUInt32LittleEndian(footer))
        {
            throw new InvalidDataException("xz: corrupt stream footer (CRC32 mismatch)");
        }

        if (ParseStreamFlags(footer[8], footer[9]) != checkType)
        {
            throw new InvalidDataException("xz: stream footer flags differ from the stream header");
        }

        var backwardSize = ((long)BinaryPrimitives.ReadUInt32LittleEndian(footer[4..]) + 1) * 4;
        if (backwardSize != indexSize)
        {
            throw new InvalidDataException($"xz: stream footer gives an index of {backwardSize} bytes, but it has {indexSize}");
        }
    }

    /// <summary>A variable-length integer (7 bits a byte, at most 9 bytes, no superfluous zero byte).</summary>
    public static long ReadVli(ReadOnlySpan<byte> data, ref int offset)
    {
        long value = 0;
        for (var i = 0; i < 9; i++)
        {
            if (offset >= data.Length)
            {
                throw new InvalidDataException("xz: corrupt header (integer runs past its end)");
            }

            var b = data[offset++];
            value |= (long)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                if (b == 0 && i > 0)
                {
                    throw new InvalidDataException("xz: corrupt header (integer has a superfluous zero byte)");
                }

                return value;
            }
        }

        throw new InvalidDataException("xz: corrupt header (integer longer than 9 bytes)");
    }

    /// <summary>Size in bytes of the check stored after each block.</summary>
    public static int CheckSize(int checkType) => checkType == 0 ? 0 : 4 << ((checkType - 1) / 3);

    private static int ParseStreamFlags(byte first, byte second)
    {
        if (first != 0 || (second & 0xF0) != 0)
        {
            throw new InvalidDataException("xz: unsupported stream flags (reserved bits are set)");
        }

        return second;
    }
}
