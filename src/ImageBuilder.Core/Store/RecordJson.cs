using System.Text.Json;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Store;

/// <summary>The small JSON files of ibuild's own records (cache, snapshot, lazy blob): one object each.</summary>
internal static class RecordJson
{
    /// <summary>One JSON object; <paramref name="properties"/> writes its members.</summary>
    public static byte[] Write(Action<Utf8JsonWriter> properties)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            properties(json);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>What <paramref name="read"/> makes of the object in <paramref name="json"/>, or null when it is damaged.</summary>
    public static T? TryRead<T>(byte[] json, Func<JsonElement, T?> read)
        where T : class
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return read(document.RootElement);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException
            or OciFormatException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The optional <c>epoch</c> member (SOURCE_DATE_EPOCH in seconds).</summary>
    public static DateTimeOffset? Epoch(JsonElement root) =>
        root.TryGetProperty("epoch", out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds.GetInt64()) : null;

    /// <summary>Writes the <c>epoch</c> member when there is one.</summary>
    public static void WriteEpoch(Utf8JsonWriter json, DateTimeOffset? epoch)
    {
        if (epoch is { } value)
        {
            json.WriteNumber("epoch", value.ToUnixTimeSeconds());
        }
    }
}
