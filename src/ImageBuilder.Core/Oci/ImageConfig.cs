using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImageBuilder.Core.Oci;

/// <summary>
/// An image config: the platform, the defaults a container starts with, the layer
/// diff ids and the build history. Fields this model does not know (Docker's
/// <c>container_config</c>, <c>docker_version</c>, BuildKit extras, …) are kept in
/// <see cref="AdditionalFields"/> and written back, so re-saving a config loses nothing.
/// </summary>
/// <remarks>
/// Top-level keys are written in byte order, known and unknown ones merged, as
/// BuildKit writes them (it edits the config as a Go map). Together with the field
/// order of <see cref="ExecutionConfig"/>, <see cref="RootFs"/> and <see cref="HistoryEntry"/>
/// this makes a BuildKit-made config read and write back to the same bytes.
/// </remarks>
public sealed record ImageConfig : ExtensibleRecord, IOciDocument
{
    internal const string DocumentName = "image config";

    [JsonPropertyName("architecture")]
    public required string Architecture { get; init; }

    [JsonPropertyName("author")]
    public string? Author { get; init; }

    /// <summary>The defaults for a container of this image; null leaves the field out.</summary>
    [JsonPropertyName("config")]
    public ExecutionConfig? Config { get; init; }

    /// <summary>When the image was made: RFC 3339 text, see <see cref="OciTimestamp"/>.</summary>
    [JsonPropertyName("created")]
    public string? Created { get; init; }

    [JsonPropertyName("history")]
    public IReadOnlyList<HistoryEntry>? History { get; init; }

    [JsonPropertyName("os")]
    public required string Os { get; init; }

    [JsonPropertyName("os.features")]
    public IReadOnlyList<string>? OsFeatures { get; init; }

    [JsonPropertyName("os.version")]
    public string? OsVersion { get; init; }

    [JsonPropertyName("rootfs")]
    public required RootFs RootFs { get; init; }

    [JsonPropertyName("variant")]
    public string? Variant { get; init; }

    /// <summary>The platform this config describes.</summary>
    [JsonIgnore]
    public Platform Platform => new()
    {
        Architecture = Architecture,
        Os = Os,
        OsVersion = OsVersion,
        OsFeatures = OsFeatures,
        Variant = Variant,
    };

    void IOciDocument.Validate(string document, string path)
    {
        OciRules.Required(document, "$.architecture", Architecture);
        OciRules.Required(document, "$.os", Os);
        OciRules.Timestamp(document, "$.created", Created);
        OciRules.Required(document, "$.rootfs", RootFs);
        RootFs.Validate(document, "$.rootfs");
        Config?.Validate(document, "$.config");
        for (var i = 0; i < (History?.Count ?? 0); i++)
        {
            OciRules.Required(document, $"$.history[{i}]", History![i]);
            OciRules.Timestamp(document, $"$.history[{i}].created", History[i].Created);
        }
    }
}

/// <summary>The layers of an image as the diff ids (digests of the uncompressed tars), base first.</summary>
public sealed record RootFs : ExtensibleRecord
{
    public const string LayersType = "layers";

    /// <summary>Always "layers".</summary>
    [JsonPropertyName("type")]
    [JsonRequired]
    public string Type { get; init; } = LayersType;

    [JsonPropertyName("diff_ids")]
    public required IReadOnlyList<Digest> DiffIds { get; init; }


    internal void Validate(string document, string path)
    {
        if (Type != LayersType)
        {
            throw new OciFormatException(document, path + ".type", $"must be \"{LayersType}\", not \"{Type}\"");
        }

        OciRules.Required(document, path + ".diff_ids", DiffIds);
    }
}

/// <summary>One step of the image's history; steps that made no layer set <see cref="EmptyLayer"/>.</summary>
public sealed record HistoryEntry : ExtensibleRecord
{
    /// <summary>RFC 3339 text, see <see cref="OciTimestamp"/>.</summary>
    [JsonPropertyName("created")]
    public string? Created { get; init; }

    [JsonPropertyName("created_by")]
    public string? CreatedBy { get; init; }

    [JsonPropertyName("author")]
    public string? Author { get; init; }

    [JsonPropertyName("comment")]
    public string? Comment { get; init; }

    [JsonPropertyName("empty_layer")]
    public bool EmptyLayer { get; init; }
}
