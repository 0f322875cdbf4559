using System.Text.Json;
using System.Text.Json.Nodes;

namespace ImageBuilder.Core.Tests.Oci;

/// <summary>
/// Compares JSON documents by meaning under Go's omitempty: key order does not count,
/// and members whose value is null, false, "", an empty array or an empty object (after
/// the same treatment of their own members) count as absent.
/// </summary>
internal static class JsonComparison
{
    public static string Normalize(byte[] json) =>
        Clean(JsonNode.Parse(json))?.ToJsonString() ?? "null";

    private static JsonNode? Clean(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var result = new JsonObject();
                foreach (var (name, value) in obj.OrderBy(member => member.Key, StringComparer.Ordinal))
                {
                    var cleaned = Clean(value);
                    if (!IsOmitted(cleaned))
                    {
                        result[name] = cleaned;
                    }
                }

                return result;
            case JsonArray array:
                return new JsonArray(array.Select(Clean).ToArray());
            default:
                return node?.DeepClone();
        }
    }

    private static bool IsOmitted(JsonNode? node) => node switch
    {
        null => true,
        JsonObject obj => obj.Count == 0,
        JsonArray array => array.Count == 0,
        JsonValue value when value.GetValueKind() == JsonValueKind.False => true,
        JsonValue value when value.GetValueKind() == JsonValueKind.String && value.GetValue<string>().Length == 0 => true,
        _ => false,
    };
}
