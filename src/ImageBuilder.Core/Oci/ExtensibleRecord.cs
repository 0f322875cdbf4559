using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImageBuilder.Core.Oci;

/// <summary>
/// A config object that keeps the JSON fields the model does not know, so that reading and
/// writing an image's config back loses nothing (and its digest can stay the same).
/// </summary>
public abstract record ExtensibleRecord
{
    /// <summary>Fields the model does not know, kept verbatim.</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, JsonElement>? AdditionalFields
    {
        get => ExtensionData;
        init => ExtensionData = value?.ToDictionary(entry => entry.Key, entry => entry.Value.Clone(), StringComparer.Ordinal);
    }

    // The serializer fills this while reading; a settable member because the others are init-only.
    [JsonExtensionData]
    [JsonInclude]
    internal Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
