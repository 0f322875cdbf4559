using Xunit;

namespace ImageBuilder.TestSupport.Oci;

/// <summary>
/// Validates manifests, indexes, configs, descriptors and oci-layout files against
/// the OCI image-spec JSON schemas vendored in testdata/conformance/oci-image-spec.
/// Every exporter test passes what it writes through here.
/// </summary>
/// <remarks>
/// This is the schema check only. The image-spec's Go validator adds a few rules the
/// schemas cannot state (Env entries are NAME=value, sha256/sha512 hex is lower-case,
/// base64 needs padding); ibuild applies those when it reads a document
/// (<c>ImageBuilder.Core.Oci.OciJson.Deserialize</c>). Docker schema 2 media types are
/// checked against the OCI schema of the same shape, as the image-spec's own
/// compatibility tests do.
/// </remarks>
public static class OciSchemaValidator
{
    public const string ManifestSchema = "https://opencontainers.org/schema/image/manifest";
    public const string IndexSchema = "https://opencontainers.org/schema/image/index";
    public const string ConfigSchema = "https://opencontainers.org/schema/image/config";
    public const string DescriptorSchema = "https://opencontainers.org/schema/descriptor";
    public const string LayoutSchema = "https://opencontainers.org/schema/image/layout";

    // Each schema file under the URLs image-spec's schema/schema.go (specURLs) loads it from.
    private static readonly (string File, string[] Uris)[] SchemaFiles =
    [
        ("config-schema.json", [ConfigSchema]),
        ("content-descriptor.json", [DescriptorSchema, "https://opencontainers.org/schema/image/content-descriptor.json"]),
        ("defs-descriptor.json",
        [
            "https://opencontainers.org/schema/image/descriptor/mediaType",
            "https://opencontainers.org/schema/defs-descriptor.json",
            "https://opencontainers.org/schema/image/defs-descriptor.json",
        ]),
        ("defs.json",
        [
            "https://opencontainers.org/schema/defs.json",
            "https://opencontainers.org/schema/image/defs.json",
            "https://opencontainers.org/schema/image/descriptor/defs.json",
        ]),
        ("image-index-schema.json", [IndexSchema]),
        ("image-layout-schema.json", [LayoutSchema]),
        ("image-manifest-schema.json", [ManifestSchema]),
    ];

    private static readonly Lazy<JsonSchemaSet> Schemas = new(() => Load(SchemaDirectory));

    /// <summary>Where the vendored schemas are.</summary>
    public static string SchemaDirectory => RepoPaths.TestData("conformance", "oci-image-spec", "schema");

    /// <summary>Checks <paramref name="json"/> against the schema for <paramref name="mediaType"/>.</summary>
    /// <returns>One message per problem, each starting with a JSON path; empty when valid.</returns>
    /// <exception cref="ArgumentException">No schema covers <paramref name="mediaType"/>.</exception>
    public static IReadOnlyList<string> Validate(string mediaType, ReadOnlySpan<byte> json) =>
        Schemas.Value.Validate(SchemaFor(mediaType), json);

    /// <summary>Fails the calling test, listing the problems, when <paramref name="json"/> is not valid.</summary>
    public static void AssertValid(string mediaType, ReadOnlySpan<byte> json)
    {
        var errors = Validate(mediaType, json);
        if (errors.Count > 0)
        {
            Assert.Fail($"{mediaType} does not validate:\n  " + string.Join("\n  ", errors));
        }
    }

    /// <summary>The URI of the schema that covers <paramref name="mediaType"/>.</summary>
    public static string SchemaFor(string mediaType) => mediaType switch
    {
        "application/vnd.oci.image.manifest.v1+json" or "application/vnd.docker.distribution.manifest.v2+json" => ManifestSchema,
        "application/vnd.oci.image.index.v1+json" or "application/vnd.docker.distribution.manifest.list.v2+json" => IndexSchema,
        "application/vnd.oci.image.config.v1+json" or "application/vnd.docker.container.image.v1+json" => ConfigSchema,
        "application/vnd.oci.descriptor.v1+json" => DescriptorSchema,
        "application/vnd.oci.layout.header.v1+json" => LayoutSchema,
        _ => throw new ArgumentException($"no OCI schema covers media type \"{mediaType}\"", nameof(mediaType)),
    };

    /// <summary>Loads the schema files of <paramref name="directory"/> under their image-spec URLs.</summary>
    public static JsonSchemaSet Load(string directory)
    {
        var set = new JsonSchemaSet();
        foreach (var (file, uris) in SchemaFiles)
        {
            var bytes = File.ReadAllBytes(Path.Combine(directory, file));
            foreach (var uri in uris)
            {
                set.Add(uri, bytes);
            }
        }

        return set;
    }
}
