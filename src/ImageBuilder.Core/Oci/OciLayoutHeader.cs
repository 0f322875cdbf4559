using System.Text.Json.Serialization;

namespace ImageBuilder.Core.Oci;

/// <summary>The <c>oci-layout</c> file at the root of an OCI image layout.</summary>
public sealed record OciLayoutHeader : IOciDocument
{
    internal const string DocumentName = "oci-layout file";

    /// <summary>The only version the spec defines.</summary>
    public const string Version1 = "1.0.0";

    public static OciLayoutHeader Current { get; } = new() { ImageLayoutVersion = Version1 };

    [JsonPropertyName("imageLayoutVersion")]
    public required string ImageLayoutVersion { get; init; }

    void IOciDocument.Validate(string document, string path)
    {
        if (ImageLayoutVersion != Version1)
        {
            throw new OciFormatException(document, "$.imageLayoutVersion", $"\"{ImageLayoutVersion}\" is not a known layout version ({Version1})");
        }
    }
}
