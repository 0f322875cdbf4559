using System.Text.Json.Serialization;

namespace ImageBuilder.Core.Oci;

/// <summary>
/// An image index: a list of manifests, usually one image per platform. Reads both
/// OCI indexes and Docker manifest lists. Fields are in the order of image-spec's Go type.
/// </summary>
public sealed record ImageIndex : IOciDocument
{
    internal const string DocumentName = "image index";

    /// <summary>Always 2; required in JSON.</summary>
    [JsonPropertyName("schemaVersion")]
    [JsonRequired]
    public int SchemaVersion { get; init; } = 2;

    /// <summary><see cref="MediaTypes.OciIndex"/> or <see cref="MediaTypes.DockerManifestList"/>; optional in OCI.</summary>
    [JsonPropertyName("mediaType")]
    public string? MediaType { get; init; }

    [JsonPropertyName("artifactType")]
    public string? ArtifactType { get; init; }

    /// <summary>The entries; each may carry a <see cref="Descriptor.Platform"/>. May be empty.</summary>
    [JsonPropertyName("manifests")]
    public required IReadOnlyList<Descriptor> Manifests { get; init; }

    [JsonPropertyName("subject")]
    public Descriptor? Subject { get; init; }

    [JsonPropertyName("annotations")]
    [JsonConverter(typeof(StringMapConverter))]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    void IOciDocument.Validate(string document, string path)
    {
        OciRules.SchemaVersion(document, SchemaVersion);
        if (MediaType is not null && !MediaTypes.IsIndex(MediaType))
        {
            throw new OciFormatException(document, "$.mediaType", $"\"{MediaType}\" is not an image index media type");
        }

        OciRules.OptionalMediaType(document, "$.artifactType", ArtifactType);
        Descriptor.ValidateList(document, "$.manifests", Manifests);
        Subject?.Validate(document, "$.subject");
    }
}
