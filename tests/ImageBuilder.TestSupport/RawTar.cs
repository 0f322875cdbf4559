using System.Text;

namespace ImageBuilder.TestSupport;

/// <summary>
/// Writes tar archives block by block, for what library writers will not produce: hostile
/// names, binary PAX values, NULs, bad sizes, GNU long-name records, unknown types.
/// </summary>
public sealed class RawTar
{
    private readonly MemoryStream output = new();

    /// <summary>Unix time used when a header gives none (2023-11-14T22:13:20Z).</summary>
    public const long DefaultTime = 1_700_000_000;

    public RawTar Header(RawTarHeader header, ReadOnlySpan<byte> data = default)
    {
        var block = new byte[512];
        Put(block, 0, 100, Bytes(header.Name));
        Octal(block, 100, 8, header.Mode);
        Octal(block, 108, 8, header.Uid);
        Octal(block, 116, 8, header.Gid);
        if (header.RawSize is { } rawSize)
        {
            rawSize.CopyTo(block, 124);
        }
        else
        {
            Octal(block, 124, 12, header.Size ?? data.Length);
        }

        Octal(block, 136, 12, header.ModificationTime);
        block[156] = (byte)header.Type;
        Put(block, 157, 100, Bytes(header.LinkName));
        Put(block, 257, 8, header.Gnu ? "ustar  \0"u8 : "ustar\000"u8);
        Octal(block, 329, 8, header.DevMajor);
        Octal(block, 337, 8, header.DevMinor);
        Put(block, 345, 155, Bytes(header.Prefix));
        Checksum(block);
        output.Write(block);
        output.Write(data);
        output.Write(new byte[(512 - (data.Length % 512)) % 512]);
        return this;
    }

    public RawTar File(string name, string content, int mode = 0x1a4) =>
        Header(new RawTarHeader(name, '0') { Mode = mode }, Encoding.UTF8.GetBytes(content));

    public RawTar Directory(string name, int mode = 0x1ed) => Header(new RawTarHeader(name, '5') { Mode = mode });

    public RawTar Symlink(string name, string target) => Header(new RawTarHeader(name, '2') { LinkName = target, Mode = 0x1ff });

    public RawTar Hardlink(string name, string target) => Header(new RawTarHeader(name, '1') { LinkName = target });

    /// <summary>A PAX 'x' header carrying <paramref name="records"/> for the next entry (values as raw bytes).</summary>
    public RawTar Pax(params (string Key, byte[] Value)[] records)
    {
        var data = new MemoryStream();
        foreach (var (key, value) in records)
        {
            var body = Encoding.UTF8.GetByteCount(key) + value.Length + 3; // ' ', '=', '\n'
            var length = body + body.ToString().Length;
            if (length.ToString().Length != body.ToString().Length)
            {
                length++;
            }

            data.Write(Encoding.ASCII.GetBytes($"{length} {key}="));
            data.Write(value);
            data.WriteByte((byte)'\n');
        }

        return Header(new RawTarHeader("PaxHeaders/entry", 'x'), data.ToArray());
    }

    /// <summary>A GNU long name ('L') or long link ('K') record for the next entry.</summary>
    public RawTar GnuLong(char type, string value) =>
        Header(new RawTarHeader("././@LongLink", type) { Gnu = true }, [.. Encoding.UTF8.GetBytes(value), 0]);

    /// <summary>Raw bytes (e.g. garbage, or padding) appended as they are.</summary>
    public RawTar Bytes(ReadOnlySpan<byte> bytes)
    {
        output.Write(bytes);
        return this;
    }

    /// <summary>The archive, ending with the two zero blocks unless <paramref name="trailer"/> is false.</summary>
    public byte[] ToArray(bool trailer = true)
    {
        var bytes = output.ToArray();
        return trailer ? [.. bytes, .. new byte[1024]] : bytes;
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static void Put(byte[] block, int offset, int length, ReadOnlySpan<byte> value) =>
        value[..Math.Min(length, value.Length)].CopyTo(block.AsSpan(offset, length));

    private static void Octal(byte[] block, int offset, int length, long value) =>
        Put(block, offset, length, Encoding.ASCII.GetBytes(Convert.ToString(value, 8).PadLeft(length - 1, '0') + "\0"));

    private static void Checksum(byte[] block)
    {
        block.AsSpan(148, 8).Fill((byte)' ');
        var sum = block.Sum(b => (long)b);
        Put(block, 148, 8, Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 "));
    }
}

/// <summary>The fields of one raw header; <see cref="RawSize"/> replaces the size field byte for byte.</summary>
public sealed record RawTarHeader(string Name, char Type)
{
    public int Mode { get; init; } = 0x1a4;

    public int Uid { get; init; }

    public int Gid { get; init; }

    public long? Size { get; init; }

    public byte[]? RawSize { get; init; }

    public long ModificationTime { get; init; } = RawTar.DefaultTime;

    public string LinkName { get; init; } = string.Empty;

    public int DevMajor { get; init; }

    public int DevMinor { get; init; }

    public string Prefix { get; init; } = string.Empty;

    public bool Gnu { get; init; }
}
