using System.Buffers;
using System.Text;
using System.Text.Json;

namespace ImageBuilder.Core.Oci;

/// <summary>
/// Re-emits JSON in the one form ibuild writes: compact, strings escaped exactly as
/// Go's encoding/json escapes them (the form Docker, containerd and BuildKit write),
/// numbers as they were written. Optionally sorts the members of the root object.
/// A key written twice in one object (an additional field that repeats a known one)
/// is refused with a <see cref="JsonException"/> that carries the path.
/// </summary>
internal static class CanonicalJsonWriter
{
    private static readonly byte[] HexDigits = "0123456789abcdef"u8.ToArray();

    public static byte[] Rewrite(byte[] json, bool sortRootMembers)
    {
        using var document = JsonDocument.Parse(json);
        var output = new ArrayBufferWriter<byte>(json.Length + 16);
        WriteValue(document.RootElement, output, sortRootMembers, "$");
        return output.WrittenSpan.ToArray();
    }

    // Depth is bounded by JsonDocument's limit (64), so recursion is safe here.
    private static void WriteValue(JsonElement element, ArrayBufferWriter<byte> output, bool sortMembers, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                Write(output, "{"u8);
                var members = element.EnumerateObject().ToList();
                if (sortMembers)
                {
                    members.Sort((left, right) => CodePointOrder.Instance.Compare(left.Name, right.Name));
                }

                var names = new HashSet<string>(StringComparer.Ordinal);

                for (var i = 0; i < members.Count; i++)
                {
                    if (i > 0)
                    {
                        Write(output, ","u8);
                    }

                    var name = members[i].Name;
                    var memberPath = name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
                        ? $"{path}.{name}"
                        : $"{path}['{name.Replace("'", "''", StringComparison.Ordinal)}']";
                    if (!names.Add(name))
                    {
                        throw new JsonException($"\"{name}\" would be written twice: an additional field repeats a known one", memberPath, null, null);
                    }

                    WriteString(name, output);
                    Write(output, ":"u8);
                    WriteValue(members[i].Value, output, sortMembers: false, memberPath);
                }

                Write(output, "}"u8);
                break;
            case JsonValueKind.Array:
                Write(output, "["u8);
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (index > 0)
                    {
                        Write(output, ","u8);
                    }

                    WriteValue(item, output, sortMembers: false, $"{path}[{index++}]");
                }

                Write(output, "]"u8);
                break;
            case JsonValueKind.String:
                WriteString(element.GetString()!, output);
                break;
            default:
                // Numbers keep their text; true, false and null are their own text.
                Write(output, Encoding.UTF8.GetBytes(element.GetRawText()));
                break;
        }
    }

    /// <summary>
    /// Go's string escaping: the two-character escapes for quote, backslash, \b \f \n \r \t;
    /// \u00XX (lower-case hex) for other control characters; \u003c \u003e \u0026 for
    /// &lt; &gt; &amp;; \u2028 and \u2029; all else raw UTF-8 (a lone surrogate, which
    /// UTF-8 cannot hold, becomes U+FFFD as the first serializer pass already made it).
    /// </summary>
    internal static void WriteString(string text, ArrayBufferWriter<byte> output)
    {
        Write(output, "\""u8);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < text.Length;)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var consumed) != OperationStatus.Done)
            {
                Write(output, "\uFFFD"u8);
                i += Math.Max(consumed, 1);
                continue;
            }

            i += consumed;
            switch (rune.Value)
            {
                case '"': Write(output, "\\\""u8); break;
                case '\\': Write(output, "\\\\"u8); break;
                case '\b': Write(output, "\\b"u8); break;
                case '\f': Write(output, "\\f"u8); break;
                case '\n': Write(output, "\\n"u8); break;
                case '\r': Write(output, "\\r"u8); break;
                case '\t': Write(output, "\\t"u8); break;
                case < 0x20 or '<' or '>' or '&' or 0x2028 or 0x2029:
                    Write(output, "\\u"u8);
                    var value = rune.Value;
                    Write(output, [HexDigits[value >> 12], HexDigits[(value >> 8) & 0xF], HexDigits[(value >> 4) & 0xF], HexDigits[value & 0xF]]);
                    break;
                default:
                    var length = rune.EncodeToUtf8(utf8);
                    Write(output, utf8[..length]);
                    break;
            }
        }

        Write(output, "\""u8);
    }

    private static void Write(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> bytes) => output.Write(bytes);
}
