namespace ImageBuilder.Core.Compression;

/// <summary>
/// CRC-64 (ECMA-182, reflected polynomial 0xC96C5795D7870F42) as used by the .xz CRC64
/// block check. Table-driven, eight bytes per step.
/// </summary>
internal static class Crc64
{
    private static readonly ulong[] Table = BuildTable();

    /// <summary>The CRC of <paramref name="data"/>, continuing from <paramref name="crc"/> (0 to start).</summary>
    public static ulong Append(ulong crc, ReadOnlySpan<byte> data)
    {
        var table = Table;
        var c = ~crc;
        while (data.Length >= 8)
        {
            c ^= System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(data);
            c = table[(7 * 256) + (c & 0xFF)] ^ table[(6 * 256) + ((c >> 8) & 0xFF)]
                ^ table[(5 * 256) + ((c >> 16) & 0xFF)] ^ table[(4 * 256) + ((c >> 24) & 0xFF)]
                ^ table[(3 * 256) + ((c >> 32) & 0xFF)] ^ table[(2 * 256) + ((c >> 40) & 0xFF)]
                ^ table[256 + ((c >> 48) & 0xFF)] ^ table[c >> 56];
            data = data[8..];
        }

        foreach (var b in data)
        {
            c = table[(c ^ b) & 0xFF] ^ (c >> 8);
        }

        return ~c;
    }

    public static ulong Compute(ReadOnlySpan<byte> data) => Append(0, data);

    private static ulong[] BuildTable()
    {
        var table = new ulong[8 * 256];
        for (ulong i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xC96C5795D7870F42ul ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        for (var i = 0; i < 256; i++)
        {
            for (var slice = 1; slice < 8; slice++)
            {
                var previous = table[((slice - 1) * 256) + i];
                table[(slice * 256) + i] = (previous >> 8) ^ table[previous & 0xFF];
            }
        }

        return table;
    }
}
