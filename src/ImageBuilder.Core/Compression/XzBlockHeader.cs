using System.Buffers.Binary;

namespace ImageBuilder.Core.Compression;

/// <summary>A filter in a block's chain: its id and properties.</summary>
internal readonly record struct XzFilter(long Id, byte[] Properties)
{
    public const long Delta = 0x03;
    public const long X86 = 0x04;
    public const long Lzma2 = 0x21;
}

/// <summary>
/// A block header (spec section 3.1): its size, the optional compressed and uncompressed
/// sizes, and one to four filters of which the last must be LZMA2.
/// </summary>
internal sealed record XzBlockHeader(int Size, long? CompressedSize, long? UncompressedSize, IReadOnlyList<XzFilter> Filters)
{
    /// <summary>Reads the rest of a block header whose first byte (the encoded size, non-zero) was already read.</summary>
    public static XzBlockHeader Read(XzInput input, byte sizeByte)
    {
        var size = (sizeByte + 1) * 4;
        var header = new byte[size];
        header[0] = sizeByte;
        input.ReadExactly(header.AsSpan(1));
        if (Crc32.Compute(header.AsSpan(0, size - 4)) != BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(size - 4)))
        {
            throw new InvalidDataException("xz: corrupt block header (CRC32 mismatch)");
        }

        var body = header.AsSpan(0, size - 4);
        var flags = body[1];
        if ((flags & 0x3C) != 0)
        {
            throw new InvalidDataException("xz: unsupported block header flags (reserved bits are set)");
        }

        var offset = 2;
        long? compressedSize = (flags & 0x40) != 0 ? XzFormat.ReadVli(body, ref offset) : null;
        long? uncompressedSize = (flags & 0x80) != 0 ? XzFormat.ReadVli(body, ref offset) : null;
        if (compressedSize == 0)
        {
            throw new InvalidDataException("xz: corrupt block header (compressed size is zero)");
        }

        var filters = new List<XzFilter>();
        var filterCount = (flags & 0x03) + 1;
        for (var i = 0; i < filterCount; i++)
        {
            var id = XzFormat.ReadVli(body, ref offset);
            var propertiesSize = XzFormat.ReadVli(body, ref offset);
            if (propertiesSize > body.Length - offset)
            {
                throw new InvalidDataException("xz: corrupt block header (filter properties run past its end)");
            }

            filters.Add(new XzFilter(id, body.Slice(offset, (int)propertiesSize).ToArray()));
            offset += (int)propertiesSize;
        }

        if (body[offset..].ContainsAnyExcept((byte)0))
        {
            throw new InvalidDataException("xz: corrupt block header (non-zero padding)");
        }

        Validate(filters);
        return new XzBlockHeader(size, compressedSize, uncompressedSize, filters);
    }

    private static void Validate(List<XzFilter> filters)
    {
        for (var i = 0; i < filters.Count; i++)
        {
            var (id, properties) = filters[i];
            var last = i == filters.Count - 1;
            var valid = id switch
            {
                XzFilter.Lzma2 => last && properties.Length == 1,
                XzFilter.Delta => !last && properties.Length == 1,
                XzFilter.X86 => throw new InvalidDataException("xz: the x86 BCJ filter is not supported"),
                _ => throw new InvalidDataException($"xz: unsupported filter 0x{id:X2} (supported: LZMA2, x86 BCJ, Delta)"),
            };
            if (!valid)
            {
                throw new InvalidDataException($"xz: invalid filter chain (filter 0x{id:X2} at position {i + 1} of {filters.Count}, {properties.Length} property bytes)");
            }
        }
    }
}
