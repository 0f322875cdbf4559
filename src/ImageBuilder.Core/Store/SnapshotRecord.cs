using System.Text.Json;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Store;

/// <summary>
/// What a snapshot was made from, and how <c>fsck</c> checks it: the diff id of its layer, and
/// <see cref="Tree"/>, the diff id <see cref="Layers.LayerPacker"/> gives for the snapshot's tree
/// (an uncompressed pack, modification times clamped at <see cref="Epoch"/> when set). A build
/// records the diff id it has just packed from the very directory that becomes the snapshot (so
/// <see cref="Tree"/> is the diff id, for free); a snapshot unpacked from a blob gets its record
/// at its first check, after it matched a fresh unpack of that blob.
/// </summary>
public sealed record SnapshotRecord(Digest DiffId, Digest Tree, DateTimeOffset? Epoch)
{
    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("diffID", DiffId.ToString());
            json.WriteString("tree", Tree.ToString());
            if (Epoch is { } epoch)
            {
                json.WriteNumber("epoch", epoch.ToUnixTimeSeconds());
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The record in <paramref name="json"/>, or null when it is damaged (the snapshot is then checked as if it had none).</summary>
    public static SnapshotRecord? TryParse(byte[] json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            DateTimeOffset? epoch = root.TryGetProperty("epoch", out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds.GetInt64()) : null;
            return new SnapshotRecord(
                Digest.Parse(root.GetProperty("diffID").GetString()!), Digest.Parse(root.GetProperty("tree").GetString()!), epoch);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException
            or OciFormatException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
