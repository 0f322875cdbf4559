using System.Text.Json;

namespace ImageBuilder.TestSupport.Oci;

// The draft-04 keywords for arrays, objects and combined schemas.
public sealed partial class JsonSchemaSet
{
    private void CheckArray(JsonElement schema, Uri baseUri, JsonElement instance, string path, List<string> errors)
    {
        var items = instance.EnumerateArray().ToArray();
        if (schema.TryGetProperty("minItems", out var minItems) && items.Length < minItems.GetInt32())
        {
            errors.Add($"{path}: has {items.Length} items, fewer than {minItems.GetInt32()}");
        }

        if (schema.TryGetProperty("maxItems", out var maxItems) && items.Length > maxItems.GetInt32())
        {
            errors.Add($"{path}: has {items.Length} items, more than {maxItems.GetInt32()}");
        }

        if (schema.TryGetProperty("uniqueItems", out var unique) && unique.ValueKind == JsonValueKind.True)
        {
            for (var i = 0; i < items.Length; i++)
            {
                for (var j = i + 1; j < items.Length; j++)
                {
                    if (JsonValues.AreEqual(items[i], items[j]))
                    {
                        errors.Add($"{path}: items {i} and {j} are equal");
                    }
                }
            }
        }

        if (!schema.TryGetProperty("items", out var itemSchema))
        {
            return;
        }

        if (itemSchema.ValueKind == JsonValueKind.Object)
        {
            for (var i = 0; i < items.Length; i++)
            {
                EvaluateChild(itemSchema, baseUri, items[i], $"{path}[{i}]", errors);
            }

            return;
        }

        // Tuple form: one schema per position, then additionalItems for the rest.
        var tuple = itemSchema.EnumerateArray().ToArray();
        schema.TryGetProperty("additionalItems", out var additional);
        for (var i = 0; i < items.Length; i++)
        {
            if (i < tuple.Length)
            {
                EvaluateChild(tuple[i], baseUri, items[i], $"{path}[{i}]", errors);
            }
            else if (additional.ValueKind == JsonValueKind.False)
            {
                errors.Add($"{path}[{i}]: no more than {tuple.Length} items are allowed");
            }
            else if (additional.ValueKind == JsonValueKind.Object)
            {
                EvaluateChild(additional, baseUri, items[i], $"{path}[{i}]", errors);
            }
        }
    }

    private void CheckObject(JsonElement schema, Uri baseUri, JsonElement instance, string path, List<string> errors)
    {
        var members = instance.EnumerateObject().ToArray();
        foreach (var duplicate in members.GroupBy(member => member.Name, StringComparer.Ordinal).Where(group => group.Count() > 1))
        {
            errors.Add($"{Child(path, duplicate.Key)}: key appears {duplicate.Count()} times");
        }

        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(item => item.GetString()!))
            {
                if (!members.Any(member => member.Name == name))
                {
                    errors.Add($"{path}: missing required property \"{name}\"");
                }
            }
        }

        if (schema.TryGetProperty("minProperties", out var minProperties) && members.Length < minProperties.GetInt32())
        {
            errors.Add($"{path}: has {members.Length} properties, fewer than {minProperties.GetInt32()}");
        }

        if (schema.TryGetProperty("maxProperties", out var maxProperties) && members.Length > maxProperties.GetInt32())
        {
            errors.Add($"{path}: has {members.Length} properties, more than {maxProperties.GetInt32()}");
        }

        schema.TryGetProperty("properties", out var properties);
        schema.TryGetProperty("patternProperties", out var patternProperties);
        schema.TryGetProperty("additionalProperties", out var additional);
        foreach (var member in members)
        {
            var memberPath = Child(path, member.Name);
            var matched = false;
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(member.Name, out var propertySchema))
            {
                matched = true;
                EvaluateChild(propertySchema, baseUri, member.Value, memberPath, errors);
            }

            if (patternProperties.ValueKind == JsonValueKind.Object)
            {
                foreach (var pattern in patternProperties.EnumerateObject())
                {
                    if (EcmaPattern.Get(pattern.Name).IsMatch(member.Name))
                    {
                        matched = true;
                        EvaluateChild(pattern.Value, baseUri, member.Value, memberPath, errors);
                    }
                }
            }

            if (matched)
            {
                continue;
            }

            if (additional.ValueKind == JsonValueKind.False)
            {
                errors.Add($"{memberPath}: property is not allowed");
            }
            else if (additional.ValueKind == JsonValueKind.Object)
            {
                EvaluateChild(additional, baseUri, member.Value, memberPath, errors);
            }
        }

        if (schema.TryGetProperty("dependencies", out var dependencies))
        {
            foreach (var dependency in dependencies.EnumerateObject().Where(d => members.Any(member => member.Name == d.Name)))
            {
                if (dependency.Value.ValueKind == JsonValueKind.Array)
                {
                    foreach (var needed in dependency.Value.EnumerateArray().Select(item => item.GetString()!))
                    {
                        if (!members.Any(member => member.Name == needed))
                        {
                            errors.Add($"{path}: \"{dependency.Name}\" requires property \"{needed}\"");
                        }
                    }
                }
                else
                {
                    Evaluate(dependency.Value, baseUri, instance, path, errors, refChain: []);
                }
            }
        }
    }

    private void CheckCombinators(JsonElement schema, Uri baseUri, JsonElement instance, string path, List<string> errors, IReadOnlyList<string> refChain)
    {
        if (schema.TryGetProperty("allOf", out var allOf))
        {
            foreach (var part in allOf.EnumerateArray())
            {
                Evaluate(part, baseUri, instance, path, errors, refChain);
            }
        }

        if (schema.TryGetProperty("anyOf", out var anyOf))
        {
            var failures = Branches(anyOf, baseUri, instance, path, refChain);
            if (failures.All(branch => branch.Count > 0))
            {
                errors.Add($"{path}: matches none of anyOf ({Summarize(failures)})");
            }
        }

        if (schema.TryGetProperty("oneOf", out var oneOf))
        {
            var failures = Branches(oneOf, baseUri, instance, path, refChain);
            var matches = failures.Count(branch => branch.Count == 0);
            if (matches == 0)
            {
                errors.Add($"{path}: matches none of oneOf ({Summarize(failures)})");
            }
            else if (matches > 1)
            {
                errors.Add($"{path}: matches {matches} schemas of oneOf, must match exactly one");
            }
        }

        if (schema.TryGetProperty("not", out var not))
        {
            var branchErrors = new List<string>();
            Evaluate(not, baseUri, instance, path, branchErrors, refChain);
            if (branchErrors.Count == 0)
            {
                errors.Add($"{path}: must not match the \"not\" schema");
            }
        }
    }

    private List<List<string>> Branches(JsonElement alternatives, Uri baseUri, JsonElement instance, string path, IReadOnlyList<string> refChain)
    {
        var results = new List<List<string>>();
        foreach (var alternative in alternatives.EnumerateArray())
        {
            var branchErrors = new List<string>();
            Evaluate(alternative, baseUri, instance, path, branchErrors, refChain);
            results.Add(branchErrors);
        }

        return results;
    }

    private static string Summarize(List<List<string>> failures) =>
        string.Join("; ", failures.Select((branch, i) => $"#{i}: {string.Join(", ", branch)}"));

    private static string Child(string path, string name) =>
        name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && name.Length > 0 ? $"{path}.{name}" : $"{path}[\"{name}\"]";
}
