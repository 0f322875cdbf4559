using System.Text;

namespace ImageBuilder.Core.Layers;

/// <summary>The fields of one 512-byte tar header block, before PAX or GNU records are merged in.</summary>
internal readonly record struct TarHeaderBlock(
    string Name,
    byte TypeFlag,
    long Mode,
    long Uid,
    long Gid,
    long Size,
    long ModificationSeconds,
    string LinkName,
    long DevMajor,
    long DevMinor)
{
    public const int BlockLength = 512;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool IsZero(ReadOnlySpan<byte> block) => !block.ContainsAnyExcept((byte)0);

    /// <summary>Whether a block is a tar header: "ustar" magic, or (old V7 tars) a first name byte and a valid checksum.</summary>
    public static bool IsHeader(ReadOnlySpan<byte> block) =>
        block.Length == BlockLength && (block[257..262].SequenceEqual("ustar"u8) || (block[0] != 0 && ChecksumMatches(block)));

    /// <summary>
    /// Parses a header block the way Go's archive/tar does (docker, containerd and BuildKit all
    /// read layers with it): ustar and PAX headers join the prefix field to the name, GNU headers
    /// do not; numbers are octal or GNU base-256; the checksum may be summed signed or unsigned.
    /// </summary>
    public static TarHeaderBlock Parse(ReadOnlySpan<byte> block, long offset)
    {
        if (!ChecksumMatches(block))
        {
            throw new LayerFormatException(LayerFormatReason.Malformed, null, $"invalid tar header at byte {offset} (checksum mismatch)");
        }

        var magic = block[257..263];
        var isUstar = magic.SequenceEqual("ustar\0"u8) && !block[508..512].SequenceEqual("tar\0"u8);
        var name = Text(block[..100]);
        if (isUstar && Text(block[345..500]) is { Length: > 0 } prefix)
        {
            name = prefix + "/" + name;
        }

        return new TarHeaderBlock(
            name,
            block[156],
            Number(block[100..108], name, "mode"),
            Number(block[108..116], name, "uid"),
            Number(block[116..124], name, "gid"),
            Number(block[124..136], name, "size"),
            Number(block[136..148], name, "mtime"),
            Text(block[157..257]),
            Number(block[329..337], name, "devmajor"),
            Number(block[337..345], name, "devminor"));
    }

    /// <summary>A NUL-terminated field, decoded as UTF-8 (names that are not UTF-8 are refused).</summary>
    public static string Text(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return Utf8(end < 0 ? field : field[..end]);
    }

    public static string Utf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new LayerFormatException(LayerFormatReason.Unsupported, Encoding.UTF8.GetString(bytes), "the name is not valid UTF-8");
        }
    }

    private static bool ChecksumMatches(ReadOnlySpan<byte> block)
    {
        long unsigned = 0;
        long signed = 0;
        for (var i = 0; i < block.Length; i++)
        {
            var b = i is >= 148 and < 156 ? (byte)' ' : block[i];
            unsigned += b;
            signed += (sbyte)b;
        }

        return TryOctal(block[148..156], out var stored) && (stored == unsigned || stored == signed);
    }

    private static long Number(ReadOnlySpan<byte> field, string name, string what)
    {
        if (TryNumber(field, out var value))
        {
            return value;
        }

        throw new LayerFormatException(LayerFormatReason.Malformed, name, $"the tar header's {what} field is not a number");
    }

    private static bool TryNumber(ReadOnlySpan<byte> field, out long value)
    {
        if (field.Length > 0 && (field[0] & 0x80) != 0)
        {
            return TryBase256(field, out value);
        }

        return TryOctal(field, out value);
    }

    // GNU's binary form: the high bit of the first byte flags it, the next bit is the sign, the
    // rest is a big-endian two's complement number.
    private static bool TryBase256(ReadOnlySpan<byte> field, out long value)
    {
        value = 0;
        var invert = (field[0] & 0x40) != 0 ? (byte)0xff : (byte)0;
        ulong x = 0;
        for (var i = 0; i < field.Length; i++)
        {
            var c = (byte)(field[i] ^ invert);
            if (i == 0)
            {
                c &= 0x7f;
            }

            if (x >> 56 != 0)
            {
                return false;
            }

            x = (x << 8) | c;
        }

        if (x >> 63 != 0)
        {
            return false;
        }

        value = invert == 0xff ? ~(long)x : (long)x;
        return true;
    }

    private static bool TryOctal(ReadOnlySpan<byte> field, out long value)
    {
        value = 0;
        field = field.TrimEnd(" \0"u8).TrimStart((byte)' ');
        foreach (var c in field)
        {
            if (c is < (byte)'0' or > (byte)'7' || value >> 60 != 0)
            {
                return false;
            }

            value = (value << 3) | (long)(c - '0');
        }

        return true;
    }
}
