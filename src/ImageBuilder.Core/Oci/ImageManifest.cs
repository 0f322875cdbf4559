using System.Text.Json.Serialization;

namespace ImageBuilder.Core.Oci;

/// <summary>
/// An image manifest: one config and the ordered layers of one image (or, for an
/// artifact, its blobs). Reads both OCI manifests and Docker schema 2 manifests,
/// which have the same shape. Fields are in the order of image-spec's Go type.
/// </summary>
public sealed record ImageManifest : IOciDocument
{
    internal const string DocumentName = "image manifest";

    /// <summary>Always 2; required in JSON.</summary>
    [JsonPropertyName("schemaVersion")]
    [JsonRequired]
    public int SchemaVersion { get; init; } = 2;

    /// <summary>
    /// <see cref="MediaTypes.OciManifest"/> or <see cref="MediaTypes.DockerManifest"/>;
    /// optional in OCI (null keeps it out of the JSON), but ibuild always sets it when it writes.
    /// </summary>
    [JsonPropertyName("mediaType")]
    public string? MediaType { get; init; }

    [JsonPropertyName("artifactType")]
    public string? ArtifactType { get; init; }

    [JsonPropertyName("config")]
    public required Descriptor Config { get; init; }

    /// <summary>
    /// The layers, base first. Read even when empty (Docker writes <c>[]</c> for an image
    /// without layers), although the OCI schema asks for at least one.
    /// </summary>
    [JsonPropertyName("layers")]
    public required IReadOnlyList<Descriptor> Layers { get; init; }

    /// <summary>The manifest this one refers to (referrers API).</summary>
    [JsonPropertyName("subject")]
    public Descriptor? Subject { get; init; }

    [JsonPropertyName("annotations")]
    [JsonConverter(typeof(StringMapConverter))]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    void IOciDocument.Validate(string document, string path)
    {
        OciRules.SchemaVersion(document, SchemaVersion);
        if (MediaType is not null && !MediaTypes.IsManifest(MediaType))
        {
            throw new OciFormatException(document, "$.mediaType", MediaType == MediaTypes.DockerManifestSchema1Signed
                ? "Docker schema 1 manifests are not supported"
                : $"\"{MediaType}\" is not an image manifest media type");
        }

        OciRules.OptionalMediaType(document, "$.artifactType", ArtifactType);
        OciRules.Required(document, "$.config", Config);
        Config.Validate(document, "$.config");
        Descriptor.ValidateList(document, "$.layers", Layers);
        Subject?.Validate(document, "$.subject");
    }
}
