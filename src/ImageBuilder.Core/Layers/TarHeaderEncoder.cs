using System.Buffers;
using System.Text;

namespace ImageBuilder.Core.Layers;

/// <summary>
/// Writes POSIX (ustar + PAX) tar headers byte for byte.
/// </summary>
/// <remarks>
/// Why not System.Formats.Tar's <c>TarWriter</c> (checked on .NET 10, see TarWriterChoiceTests):
/// it does not add atime or ctime any more, but it names every PAX extended header
/// <c>./PaxHeaders.&lt;process id&gt;/…</c>, so two packs of the same tree in two processes differ,
/// and it writes a PAX header (path and mtime) before every entry, even when the ustar fields
/// hold everything. Layers must be byte-identical across runs, so this small writer emits PAX
/// records only when a value does not fit ustar (long or non-ASCII names and link targets,
/// large ids or sizes, times before 1970) or has no ustar field (xattrs), names the extended
/// header deterministically, and never writes atime or ctime. Writing the headers ourselves
/// also lets file content be read straight into the chunk buffers.
/// </remarks>
internal static class TarHeaderEncoder
{
    public const int BlockSize = 512;

    private const int NameLength = 100;
    private const int PrefixLength = 155;
    private const long MaxOctal7 = 0x1FFFFF; // 07777777, the largest value of an 8-byte numeric field
    private const long MaxOctal11 = 0x1FFFFFFFF; // 077777777777, the largest of a 12-byte field

    /// <summary>Appends the header blocks of <paramref name="header"/>: a PAX extended header
    /// first when one is needed, then the ustar header. Content is not included.</summary>
    public static void Encode(TarHeader header, IBufferWriter<byte> output)
    {
        var records = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);

        var name = Encoding.UTF8.GetBytes(header.Name);
        if (!TrySplitName(name, out var nameField, out var prefixField))
        {
            records["path"] = name;
            nameField = AsciiFallback(name, NameLength);
            prefixField = [];
        }

        var linkField = Array.Empty<byte>();
        if (header.LinkName is { } linkName)
        {
            var link = Encoding.UTF8.GetBytes(linkName);
            if (link.Length <= NameLength && Ascii.IsValid(link))
            {
                linkField = link;
            }
            else
            {
                records["linkpath"] = link;
                linkField = AsciiFallback(link, NameLength);
            }
        }

        var uid = FitOrRecord(records, "uid", header.Uid, MaxOctal7);
        var gid = FitOrRecord(records, "gid", header.Gid, MaxOctal7);
        var size = FitOrRecord(records, "size", header.Size, MaxOctal11);
        var mtime = FitOrRecord(records, "mtime", header.ModificationTime, MaxOctal11);
        foreach (var (key, value) in header.ExtendedAttributes)
        {
            // A PAX key ends at the first '=': such a name cannot be stored (Go refuses it too).
            if (key.Length == 0 || key.Contains('='))
            {
                throw new ArgumentException($"{header.Name}: the extended attribute name \"{key}\" cannot be stored in a tar", nameof(header));
            }

            records["SCHILY.xattr." + key] = value;
        }

        if (records.Count > 0)
        {
            var data = PaxRecordEncoder.Encode(records);
            var extended = new TarHeader
            {
                Name = "PaxHeaders.0/" + Encoding.ASCII.GetString(AsciiFallback(BaseName(name), NameLength - 13)),
                TypeFlag = TarTypeFlag.PaxExtended,
                Mode = 0b110_100_100, // 0644
                Size = data.Length,
                ModificationTime = mtime,
            };
            WriteUstar(output, extended, Encoding.ASCII.GetBytes(extended.Name), [], [], 0, 0, data.Length, mtime);
            output.Write(data);
            WriteZeros(output, Padding(data.Length));
        }

        WriteUstar(output, header, nameField, prefixField, linkField, uid, gid, size, mtime);
    }

    /// <summary>Zero bytes that round <paramref name="length"/> up to a whole block.</summary>
    public static int Padding(long length) => (int)((BlockSize - (length % BlockSize)) % BlockSize);

    private static void WriteUstar(
        IBufferWriter<byte> output, TarHeader header, byte[] name, byte[] prefix, byte[] link,
        long uid, long gid, long size, long mtime)
    {
        var block = output.GetSpan(BlockSize)[..BlockSize];
        block.Clear();
        name.CopyTo(block[..NameLength]);
        WriteOctal(block.Slice(100, 8), header.Mode & 0xFFF);
        WriteOctal(block.Slice(108, 8), uid);
        WriteOctal(block.Slice(116, 8), gid);
        WriteOctal(block.Slice(124, 12), size);
        WriteOctal(block.Slice(136, 12), mtime);
        block[156] = header.TypeFlag;
        link.CopyTo(block.Slice(157, NameLength));
        "ustar\0"u8.CopyTo(block.Slice(257, 6));
        "00"u8.CopyTo(block.Slice(263, 2));
        // uname (265) and gname (297) stay empty: layers carry numeric ids only.
        WriteOctal(block.Slice(329, 8), header.DeviceMajor);
        WriteOctal(block.Slice(337, 8), header.DeviceMinor);
        prefix.CopyTo(block.Slice(345, PrefixLength));

        // The checksum is the byte sum with its own field read as eight spaces; it is written
        // as six octal digits, a NUL and a space, as GNU tar and Go do.
        block.Slice(148, 8).Fill((byte)' ');
        var sum = 0;
        foreach (var b in block)
        {
            sum += b;
        }

        WriteOctal(block.Slice(148, 7), sum);
        block[155] = (byte)' ';
        output.Advance(BlockSize);
    }

    // Zero-padded octal digits filling the field but its last byte, which is NUL.
    private static void WriteOctal(Span<byte> field, long value)
    {
        field[^1] = 0;
        for (var i = field.Length - 2; i >= 0; i--)
        {
            field[i] = (byte)('0' + (value & 7));
            value >>= 3;
        }
    }

    private static long FitOrRecord(SortedDictionary<string, byte[]> records, string key, long value, long max)
    {
        if (value >= 0 && value <= max)
        {
            return value;
        }

        records[key] = Encoding.ASCII.GetBytes(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return value < 0 ? 0 : max;
    }

    // A name fits ustar when it is ASCII and either fits the name field, or can be cut at a '/'
    // into a prefix of at most 155 bytes and a non-empty rest of at most 100 (Go cuts at the last
    // such '/', and so does this).
    private static bool TrySplitName(byte[] name, out byte[] nameField, out byte[] prefixField)
    {
        nameField = name;
        prefixField = [];
        if (!Ascii.IsValid(name))
        {
            return false;
        }

        if (name.Length <= NameLength)
        {
            return true;
        }

        var cut = name.AsSpan(0, Math.Min(name.Length, PrefixLength + 1)).LastIndexOf((byte)'/');
        var rest = name.Length - cut - 1;
        if (cut <= 0 || rest == 0 || rest > NameLength)
        {
            return false;
        }

        prefixField = name[..cut];
        nameField = name[(cut + 1)..];
        return true;
    }

    // The ASCII bytes of a value, cut to the field: what readers without PAX support see.
    private static byte[] AsciiFallback(ReadOnlySpan<byte> value, int max)
    {
        var ascii = new List<byte>(Math.Min(value.Length, max));
        foreach (var b in value)
        {
            if (b is > 0 and < 0x80 && ascii.Count < max)
            {
                ascii.Add(b);
            }
        }

        return [.. ascii];
    }

    private static ReadOnlySpan<byte> BaseName(byte[] name)
    {
        var trimmed = name.AsSpan().TrimEnd((byte)'/');
        return trimmed[(trimmed.LastIndexOf((byte)'/') + 1)..];
    }

    private static void WriteZeros(IBufferWriter<byte> output, int count)
    {
        if (count > 0)
        {
            output.GetSpan(count)[..count].Clear();
            output.Advance(count);
        }
    }
}
