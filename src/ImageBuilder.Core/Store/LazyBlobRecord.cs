using System.Text.Json;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Store;

/// <summary>
/// A layer blob the store has not written yet but can make: packing the snapshot
/// <see cref="Snapshot"/> uncompressed, with modification times clamped at <see cref="Epoch"/>
/// when set, gives the blob's <see cref="Size"/> bytes exactly (the packer is deterministic; the
/// blob's digest is the record's name). Kept in <c>ibuild/lazy-blobs/&lt;blob hex&gt;</c>.
/// </summary>
public sealed record LazyBlobRecord(Digest Snapshot, long Size, DateTimeOffset? Epoch)
{
    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("snapshot", Snapshot.ToString());
            json.WriteNumber("size", Size);
            if (Epoch is { } epoch)
            {
                json.WriteNumber("epoch", epoch.ToUnixTimeSeconds());
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The record in <paramref name="json"/>, or null when it is damaged (the blob then cannot be made).</summary>
    public static LazyBlobRecord? TryParse(byte[] json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            DateTimeOffset? epoch = root.TryGetProperty("epoch", out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds.GetInt64()) : null;
            var size = root.GetProperty("size").GetInt64();
            return size < 0 ? null : new LazyBlobRecord(Digest.Parse(root.GetProperty("snapshot").GetString()!), size, epoch);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException
            or OciFormatException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
