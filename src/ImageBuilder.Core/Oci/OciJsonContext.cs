using System.Text.Json.Serialization;

namespace ImageBuilder.Core.Oci;

/// <summary>
/// The compile-time JSON contracts of the OCI documents (no reflection, so the
/// serializer works under NativeAOT and trimming). Reading is strict: required
/// members must be present, non-nullable ones must not be null, keys must not repeat.
/// Use it through <see cref="OciJson"/>, which adds validation and canonical output.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowDuplicateProperties = false,
    Converters = [typeof(StringListConverter)])]
[JsonSerializable(typeof(ImageManifest))]
[JsonSerializable(typeof(ImageIndex))]
[JsonSerializable(typeof(ImageConfig))]
[JsonSerializable(typeof(Descriptor))]
[JsonSerializable(typeof(Platform))]
[JsonSerializable(typeof(OciLayoutHeader))]
internal sealed partial class OciJsonContext : JsonSerializerContext;
