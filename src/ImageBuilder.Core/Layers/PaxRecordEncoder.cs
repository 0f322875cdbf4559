using System.Text;

namespace ImageBuilder.Core.Layers;

/// <summary>The body of a PAX extended header: records <c>"%d %s=%s\n"</c>.</summary>
internal static class PaxRecordEncoder
{
    /// <summary>Encodes the records in the order given. A value is raw bytes (an xattr value
    /// may be binary, e.g. <c>security.capability</c>); a key is UTF-8.</summary>
    public static byte[] Encode(IEnumerable<KeyValuePair<string, byte[]>> records)
    {
        using var buffer = new MemoryStream();
        foreach (var (key, value) in records)
        {
            var keyBytes = Encoding.UTF8.GetBytes(key);
            // The leading length counts the whole record, its own digits included: start from
            // the length without them and add digits until the count is stable.
            var body = keyBytes.Length + value.Length + 3; // ' ', '=', '\n'
            var length = body + Digits(body);
            if (Digits(length) != Digits(body))
            {
                length = body + Digits(length);
            }

            buffer.Write(Encoding.ASCII.GetBytes(length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            buffer.WriteByte((byte)' ');
            buffer.Write(keyBytes);
            buffer.WriteByte((byte)'=');
            buffer.Write(value);
            buffer.WriteByte((byte)'\n');
        }

        return buffer.ToArray();
    }

    private static int Digits(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
}
