using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImageBuilder.Core.Oci;

/// <summary>A digest as its <c>algorithm:encoded</c> string; anything else is a JSON error.</summary>
internal sealed class DigestJsonConverter : JsonConverter<Digest>
{
    public override bool HandleNull => true;

    public override Digest Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("expected a digest string");
        }

        var text = reader.GetString();
        return Digest.TryParse(text, out var digest)
            ? digest
            : throw new JsonException($"\"{text}\" is not a valid digest (algorithm:encoded; sha256 and sha512 need lower-case hex of their length)");
    }

    public override void Write(Utf8JsonWriter writer, Digest value, JsonSerializerOptions options)
    {
        if (value.IsEmpty)
        {
            throw new JsonException("a digest is required");
        }

        writer.WriteStringValue(value.ToString());
    }
}

/// <summary>
/// A JSON array of strings. Unlike the built-in list converter it refuses null items,
/// which no field of an image holds.
/// </summary>
internal sealed class StringListConverter : JsonConverter<IReadOnlyList<string>>
{
    public override IReadOnlyList<string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("expected an array of strings");
        }

        var items = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            items.Add(reader.TokenType == JsonTokenType.String
                ? reader.GetString()!
                : throw new JsonException($"expected a string at item {items.Count}"));
        }

        return items;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<string> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var item in value)
        {
            writer.WriteStringValue(item ?? throw new JsonException("a list of strings holds null"));
        }

        writer.WriteEndArray();
    }
}

/// <summary>
/// A string-to-string map (labels, annotations), written with keys in byte order as Go
/// writes maps, so equal maps give equal bytes however they were built.
/// </summary>
internal sealed class StringMapConverter : JsonConverter<IReadOnlyDictionary<string, string>>
{
    public override IReadOnlyDictionary<string, string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("expected an object of strings");
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException($"the value of \"{key}\" must be a string");
            }

            if (!map.TryAdd(key, reader.GetString()!))
            {
                throw new JsonException($"duplicate key \"{key}\"");
            }
        }

        return map;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, string> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var key in value.Keys.Order(CodePointOrder.Instance))
        {
            writer.WriteString(key, value[key] ?? throw new JsonException($"the value of \"{key}\" is null"));
        }

        writer.WriteEndObject();
    }
}

/// <summary>
/// Docker's set encoding, a map whose values are empty objects (<c>ExposedPorts</c>,
/// <c>Volumes</c>), held as the list of its keys and written in byte order.
/// </summary>
internal sealed class KeySetConverter : JsonConverter<IReadOnlyList<string>>
{
    public override IReadOnlyList<string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("expected an object whose values are {}");
        }

        var keys = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException($"the value of \"{key}\" must be an object");
            }

            // The spec says the values are ignored; Docker always writes {}.
            reader.Skip();
            if (!seen.Add(key))
            {
                throw new JsonException($"duplicate key \"{key}\"");
            }

            keys.Add(key);
        }

        return keys;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<string> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var key in value.Distinct(StringComparer.Ordinal).Order(CodePointOrder.Instance))
        {
            writer.WritePropertyName(key ?? throw new JsonException("a set holds null"));
            writer.WriteStartObject();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }
}

/// <summary>
/// Orders strings by Unicode code point, which is the byte order of their UTF-8 form:
/// the order Go's encoding/json gives map keys.
/// </summary>
internal sealed class CodePointOrder : IComparer<string>
{
    public static readonly CodePointOrder Instance = new();

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }

        var left = x.EnumerateRunes();
        var right = y.EnumerateRunes();
        while (true)
        {
            var hasLeft = left.MoveNext();
            var hasRight = right.MoveNext();
            if (!hasLeft || !hasRight)
            {
                return hasLeft ? 1 : hasRight ? -1 : 0;
            }

            var order = left.Current.Value.CompareTo(right.Current.Value);
            if (order != 0)
            {
                return order;
            }
        }
    }
}
