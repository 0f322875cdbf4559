using System.Globalization;
using System.Text;

namespace ImageBuilder.Core.Layers;

/// <summary>
/// The records of a PAX extended header (<c>"%d %s=%s\n"</c>). Values stay bytes: an xattr value
/// such as <c>security.capability</c> is binary, and decoding it as text would corrupt it (that
/// is what System.Formats.Tar does, see <see cref="LayerTarReader"/>).
/// </summary>
internal static class PaxRecords
{
    public const string Path = "path";
    public const string LinkPath = "linkpath";
    public const string Size = "size";
    public const string Uid = "uid";
    public const string Gid = "gid";
    public const string ModificationTime = "mtime";
    public const string XattrPrefix = "SCHILY.xattr.";
    public const string SparsePrefix = "GNU.sparse.";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <param name="data">the extended header's content</param>
    /// <param name="entryName">the header block's own name, for messages</param>
    public static Dictionary<string, byte[]> Parse(ReadOnlySpan<byte> data, string entryName)
    {
        var records = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        while (!data.IsEmpty)
        {
            var space = data.IndexOf((byte)' ');
            if (space <= 0
                || !int.TryParse(data[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var length)
                || length <= space + 1
                || length > data.Length
                || data[length - 1] != (byte)'\n')
            {
                throw Malformed(entryName);
            }

            var record = data[(space + 1)..(length - 1)];
            var equals = record.IndexOf((byte)'=');
            if (equals <= 0 || record[..equals].Contains((byte)0))
            {
                throw Malformed(entryName);
            }

            var key = Key(record[..equals], entryName);
            var value = record[(equals + 1)..];
            if (key is Path or LinkPath && value.Contains((byte)0))
            {
                // Named by the value itself: that is the entry's real name, and the message shows the NUL escaped.
                throw new LayerFormatException(LayerFormatReason.UnsafePath, Encoding.UTF8.GetString(value), $"the PAX \"{key}\" record holds a NUL byte");
            }

            records[key] = value.ToArray();
            data = data[length..];
        }

        return records;
    }

    /// <summary>A decimal record (size, uid, gid), or null when absent or empty.</summary>
    public static long? Integer(Dictionary<string, byte[]> records, string key, string entryName)
    {
        if (!records.TryGetValue(key, out var value) || value.Length == 0)
        {
            return null;
        }

        return long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new LayerFormatException(LayerFormatReason.Malformed, entryName, $"the PAX \"{key}\" record is not a number");
    }

    /// <summary>The <c>mtime</c> record: seconds since the epoch with an optional fraction, possibly negative.</summary>
    public static DateTimeOffset? Time(Dictionary<string, byte[]> records, string entryName)
    {
        if (!records.TryGetValue(ModificationTime, out var value) || value.Length == 0)
        {
            return null;
        }

        var text = Encoding.ASCII.GetString(value);
        var dot = text.IndexOf('.');
        var whole = dot < 0 ? text : text[..dot];
        var fraction = dot < 0 ? string.Empty : text[(dot + 1)..];
        if (!long.TryParse(whole, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds)
            || !fraction.All(char.IsAsciiDigit))
        {
            throw new LayerFormatException(LayerFormatReason.Malformed, entryName, "the PAX \"mtime\" record is not a time");
        }

        // Ticks are 100 ns: the first seven fraction digits are all that can be kept.
        var ticks = fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(7, '0')[..7], CultureInfo.InvariantCulture);
        var time = LayerTarReader.FromUnixSeconds(seconds, entryName);
        return whole.StartsWith('-') ? time.AddTicks(-ticks) : time.AddTicks(ticks);
    }

    /// <summary>The extended attributes carried as <c>SCHILY.xattr.&lt;name&gt;</c> records.</summary>
    public static Dictionary<string, byte[]> ExtendedAttributes(Dictionary<string, byte[]> records)
    {
        var attributes = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (key, value) in records)
        {
            if (key.StartsWith(XattrPrefix, StringComparison.Ordinal) && key.Length > XattrPrefix.Length)
            {
                attributes[key[XattrPrefix.Length..]] = value;
            }
        }

        return attributes;
    }

    private static string Key(ReadOnlySpan<byte> bytes, string entryName)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new LayerFormatException(LayerFormatReason.Unsupported, entryName, "a PAX record's key is not valid UTF-8");
        }
    }

    private static LayerFormatException Malformed(string entryName) =>
        new(LayerFormatReason.Malformed, entryName, "malformed PAX extended header record");
}
