using System.Buffers.Binary;

namespace ImageBuilder.Core.Compression;

/// <summary>
/// Remembers the blocks decoded in a stream and checks them against the stream's index
/// (spec section 4): record count, each record's unpadded and uncompressed size, the
/// padding and the CRC32.
/// </summary>
internal sealed class XzIndex
{
    private readonly List<(long Unpadded, long Uncompressed)> _blocks = [];

    public void Add(long unpaddedSize, long uncompressedSize) => _blocks.Add((unpaddedSize, uncompressedSize));

    /// <summary>
    /// Reads the index whose indicator byte (0x00) was already consumed, verifies it against
    /// the decoded blocks, forgets them, and returns the index size in bytes.
    /// </summary>
    public long ReadAndVerify(XzInput input)
    {
        var reader = new Reader(input);
        var count = reader.ReadVli();
        if (count != _blocks.Count)
        {
            throw new InvalidDataException($"xz: corrupt index (it lists {count} blocks, the stream has {_blocks.Count})");
        }

        foreach (var (unpadded, uncompressed) in _blocks)
        {
            if (reader.ReadVli() != unpadded || reader.ReadVli() != uncompressed)
            {
                throw new InvalidDataException("xz: corrupt index (a record does not match its block)");
            }
        }

        while (reader.Size % 4 != 0)
        {
            if (reader.ReadByte() != 0)
            {
                throw new InvalidDataException("xz: corrupt index (non-zero padding)");
            }
        }

        var expected = reader.Crc;
        Span<byte> stored = stackalloc byte[4];
        input.ReadExactly(stored);
        if (BinaryPrimitives.ReadUInt32LittleEndian(stored) != expected)
        {
            throw new InvalidDataException("xz: corrupt index (CRC32 mismatch)");
        }

        _blocks.Clear();
        return reader.Size + 4;
    }

    /// <summary>Reads index bytes while tracking their count and CRC32 (the indicator byte included).</summary>
    private struct Reader(XzInput input)
    {
        public uint Crc { get; private set; } = Crc32.Compute([0]);

        public long Size { get; private set; } = 1;

        public byte ReadByte()
        {
            var b = input.ReadByte();
            Crc = Crc32.Append(Crc, [b]);
            Size++;
            return b;
        }

        public long ReadVli()
        {
            long value = 0;
            for (var i = 0; i < 9; i++)
            {
                var b = ReadByte();
                value |= (long)(b & 0x7F) << (7 * i);
                if ((b & 0x80) == 0)
                {
                    if (b == 0 && i > 0)
                    {
                        throw new InvalidDataException("xz: corrupt index (integer has a superfluous zero byte)");
                    }

                    return value;
                }
            }

            throw new InvalidDataException("xz: corrupt index (integer longer than 9 bytes)");
        }
    }
}
