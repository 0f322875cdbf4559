using System.Text.Json;

namespace ImageBuilder.TestSupport.Oci;

// The draft-04 keywords, one method per group.
public sealed partial class JsonSchemaSet
{
    private const int MaxRefChain = 64;

    private void Evaluate(JsonElement schema, Uri baseUri, JsonElement instance, string path, List<string> errors, IReadOnlyList<string> refChain)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidOperationException($"schema at {baseUri} is a {schema.ValueKind}, not an object");
        }

        if (schema.TryGetProperty("$ref", out var reference))
        {
            FollowRef(reference.GetString()!, baseUri, instance, path, errors, refChain);
            return;
        }

        baseUri = ApplyId(schema, baseUri);
        CheckType(schema, instance, path, errors);
        CheckEnum(schema, instance, path, errors);
        switch (instance.ValueKind)
        {
            case JsonValueKind.Number:
                CheckNumber(schema, instance, path, errors);
                break;
            case JsonValueKind.String:
                CheckString(schema, instance.GetString()!, path, errors);
                break;
            case JsonValueKind.Array:
                CheckArray(schema, baseUri, instance, path, errors);
                break;
            case JsonValueKind.Object:
                CheckObject(schema, baseUri, instance, path, errors);
                break;
        }

        CheckCombinators(schema, baseUri, instance, path, errors, refChain);
    }

    private void FollowRef(string reference, Uri baseUri, JsonElement instance, string path, List<string> errors, IReadOnlyList<string> refChain)
    {
        var target = new Uri(baseUri, reference);
        var key = target.AbsoluteUri;
        if (refChain.Contains(key) || refChain.Count >= MaxRefChain)
        {
            errors.Add($"{path}: $ref cycle through {key}");
            return;
        }

        if (!TryResolve(target, out var schema, out var targetBase, out var problem))
        {
            throw new InvalidOperationException($"unresolvable $ref \"{reference}\" from {baseUri}: {problem}");
        }

        Evaluate(schema, targetBase, instance, path, errors, [.. refChain, key]);
    }

    // A schema applied to a child of the instance starts a new $ref chain: progress was made.
    private void EvaluateChild(JsonElement schema, Uri baseUri, JsonElement instance, string path, List<string> errors)
    {
        if (schema.ValueKind == JsonValueKind.False || schema.ValueKind == JsonValueKind.True)
        {
            return; // Only additionalItems/additionalProperties take booleans; they are handled there.
        }

        Evaluate(schema, baseUri, instance, path, errors, refChain: []);
    }

    private static void CheckType(JsonElement schema, JsonElement instance, string path, List<string> errors)
    {
        if (!schema.TryGetProperty("type", out var type))
        {
            return;
        }

        var allowed = type.ValueKind == JsonValueKind.Array
            ? type.EnumerateArray().Select(item => item.GetString()!).ToArray()
            : [type.GetString()!];
        if (!allowed.Any(name => HasType(instance, name)))
        {
            errors.Add($"{path}: expected {string.Join(" or ", allowed)}, found {KindName(instance)}");
        }
    }

    private static bool HasType(JsonElement instance, string type) => type switch
    {
        "object" => instance.ValueKind == JsonValueKind.Object,
        "array" => instance.ValueKind == JsonValueKind.Array,
        "string" => instance.ValueKind == JsonValueKind.String,
        "number" => instance.ValueKind == JsonValueKind.Number,
        "integer" => instance.ValueKind == JsonValueKind.Number && JsonValues.IsIntegral(instance),
        "boolean" => instance.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => instance.ValueKind == JsonValueKind.Null,
        "any" => true,
        _ => throw new InvalidOperationException($"unknown type \"{type}\" in schema"),
    };

    private static string KindName(JsonElement instance) => instance.ValueKind switch
    {
        JsonValueKind.Number => JsonValues.IsIntegral(instance) ? "integer" : "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        var kind => kind.ToString().ToLowerInvariant(),
    };

    private static void CheckEnum(JsonElement schema, JsonElement instance, string path, List<string> errors)
    {
        if (schema.TryGetProperty("enum", out var options) && !options.EnumerateArray().Any(option => JsonValues.AreEqual(option, instance)))
        {
            errors.Add($"{path}: {instance.GetRawText()} is not one of {options.GetRawText()}");
        }
    }

    private static void CheckNumber(JsonElement schema, JsonElement instance, string path, List<string> errors)
    {
        if (schema.TryGetProperty("minimum", out var minimum))
        {
            var exclusive = schema.TryGetProperty("exclusiveMinimum", out var flag) && flag.ValueKind == JsonValueKind.True;
            var order = JsonValues.CompareNumbers(instance, minimum);
            if (order < 0 || (exclusive && order == 0))
            {
                errors.Add($"{path}: {instance.GetRawText()} is below the minimum {minimum.GetRawText()}{(exclusive ? " (exclusive)" : "")}");
            }
        }

        if (schema.TryGetProperty("maximum", out var maximum))
        {
            var exclusive = schema.TryGetProperty("exclusiveMaximum", out var flag) && flag.ValueKind == JsonValueKind.True;
            var order = JsonValues.CompareNumbers(instance, maximum);
            if (order > 0 || (exclusive && order == 0))
            {
                errors.Add($"{path}: {instance.GetRawText()} is above the maximum {maximum.GetRawText()}{(exclusive ? " (exclusive)" : "")}");
            }
        }

        if (schema.TryGetProperty("multipleOf", out var divisor) && !JsonValues.IsMultipleOf(instance, divisor))
        {
            errors.Add($"{path}: {instance.GetRawText()} is not a multiple of {divisor.GetRawText()}");
        }
    }

    private static void CheckString(JsonElement schema, string value, string path, List<string> errors)
    {
        var length = value.EnumerateRunes().Count();
        if (schema.TryGetProperty("minLength", out var minLength) && length < minLength.GetInt32())
        {
            errors.Add($"{path}: shorter than {minLength.GetInt32()} characters");
        }

        if (schema.TryGetProperty("maxLength", out var maxLength) && length > maxLength.GetInt32())
        {
            errors.Add($"{path}: longer than {maxLength.GetInt32()} characters");
        }

        if (schema.TryGetProperty("pattern", out var pattern) && !EcmaPattern.Get(pattern.GetString()!).IsMatch(value))
        {
            errors.Add($"{path}: \"{value}\" does not match pattern {pattern.GetString()}");
        }

        if (schema.TryGetProperty("format", out var format) && !SchemaFormats.IsValid(format.GetString()!, value))
        {
            errors.Add($"{path}: \"{value}\" is not a valid {format.GetString()}");
        }
    }
}
