using System.Text.Json.Serialization;

namespace ImageBuilder.Core.Oci;

/// <summary>
/// A content descriptor: what a blob is (media type), which bytes it holds (digest)
/// and how many (size), with optional hints. Fields are in the order of the Go type
/// that containerd and BuildKit write (image-spec <c>v1.Descriptor</c>).
/// </summary>
public sealed record Descriptor : IOciDocument
{
    [JsonPropertyName("mediaType")]
    public required string MediaType { get; init; }

    [JsonPropertyName("digest")]
    public required Digest Digest { get; init; }

    [JsonPropertyName("size")]
    public required long Size { get; init; }

    /// <summary>Places the blob may also be fetched from; each an absolute URI.</summary>
    [JsonPropertyName("urls")]
    public IReadOnlyList<string>? Urls { get; init; }

    [JsonPropertyName("annotations")]
    [JsonConverter(typeof(StringMapConverter))]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    /// <summary>The blob itself, embedded (base64 in JSON, with padding).</summary>
    [JsonPropertyName("data")]
    public ReadOnlyMemory<byte>? Data { get; init; }

    /// <summary>The platform an index entry's image runs on.</summary>
    [JsonPropertyName("platform")]
    public Platform? Platform { get; init; }

    [JsonPropertyName("artifactType")]
    public string? ArtifactType { get; init; }

    /// <summary>The descriptor of <paramref name="content"/>: its sha256 and length.</summary>
    public static Descriptor ForContent(string mediaType, ReadOnlySpan<byte> content) => new()
    {
        MediaType = mediaType,
        Digest = Digest.Sha256(content),
        Size = content.Length,
    };

    void IOciDocument.Validate(string document, string path) => Validate(document, path);

    internal void Validate(string document, string path)
    {
        OciRules.MediaType(document, path + ".mediaType", MediaType);
        OciRules.Digest(document, path + ".digest", Digest);
        if (Size < 0)
        {
            throw new OciFormatException(document, path + ".size", $"must not be negative ({Size})");
        }

        OciRules.Urls(document, path + ".urls", Urls);
        OciRules.OptionalMediaType(document, path + ".artifactType", ArtifactType);
        Platform?.Validate(document, path + ".platform");
    }

    internal static void ValidateList(string document, string path, IReadOnlyList<Descriptor>? list)
    {
        OciRules.Required(document, path, list);
        for (var i = 0; i < list!.Count; i++)
        {
            var item = list[i];
            OciRules.Required(document, $"{path}[{i}]", item);
            item.Validate(document, $"{path}[{i}]");
        }
    }
}

/// <summary>A type <see cref="OciJson"/> reads and writes as a whole document.</summary>
internal interface IOciDocument
{
    /// <summary>Throws <see cref="OciFormatException"/> when a field breaks the spec.</summary>
    void Validate(string document, string path);
}
