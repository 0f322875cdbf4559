using System.Text;

namespace ImageBuilder.Core.Layers;

/// <summary>Why a layer could not be unpacked.</summary>
public enum LayerFormatReason
{
    /// <summary>The bytes are not a well-formed tar (or gzip/zstd) stream: bad checksum, truncation, a malformed PAX record.</summary>
    Malformed,

    /// <summary>An entry's name or hardlink target would reach outside the snapshot, or holds a NUL.</summary>
    UnsafePath,

    /// <summary>A valid tar feature that ibuild does not unpack: sparse files, unknown entry types, names that are not UTF-8.</summary>
    Unsupported,

    /// <summary>The entry was valid but writing it into the snapshot failed (the inner exception says why).</summary>
    WriteFailed,
}

/// <summary>
/// A layer could not be applied. <see cref="EntryName"/> is the entry's name as the archive
/// spells it (null when the problem is in the stream itself); the message names it too, so
/// printing the message is enough.
/// </summary>
public sealed class LayerFormatException : Exception
{
    public LayerFormatException(LayerFormatReason reason, string? entryName, string detail, Exception? inner = null)
        : base(Compose(entryName, detail), inner)
    {
        Reason = reason;
        EntryName = entryName;
        Detail = detail;
    }

    public LayerFormatReason Reason { get; }

    public string? EntryName { get; }

    /// <summary>What is wrong, without the entry's name (for callers that name it their own way).</summary>
    public string Detail { get; }

    private static string Compose(string? entryName, string detail) =>
        entryName is null ? $"layer: {detail}" : $"layer entry \"{Printable(entryName)}\": {detail}";

    // Hostile names may hold control characters; show them escaped so the message stays one readable line.
    internal static string Printable(string name)
    {
        var text = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (char.IsControl(c))
            {
                text.Append(c == '\0' ? "\\0" : $"\\x{(int)c:x2}");
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }
}
