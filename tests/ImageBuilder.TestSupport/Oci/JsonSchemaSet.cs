using System.Text.Json;

namespace ImageBuilder.TestSupport.Oci;

/// <summary>
/// A set of JSON Schema draft-04 documents, each known by one or more URIs, that can
/// validate JSON against any of them. Written for the OCI image-spec schemas but
/// general: types, enum, numeric and string limits, pattern, format (uri, date-time),
/// items, properties, patternProperties, additionalProperties, required, dependencies,
/// allOf/anyOf/oneOf/not and $ref resolved against nested ids.
/// </summary>
/// <remarks>
/// Validation never loops: a chain of $refs that comes back to a schema it already
/// went through without moving into the instance is reported as an error, and the
/// instance depth is bounded by JsonDocument's limit.
/// Beyond draft-04 it reports keys that appear twice in one object, because readers
/// disagree on which one counts.
/// </remarks>
public sealed partial class JsonSchemaSet
{
    private readonly Dictionary<string, SchemaResource> resources = new(StringComparer.Ordinal);
    private readonly List<JsonDocument> documents = [];

    private sealed record SchemaResource(JsonElement Schema, Uri BaseUri);

    /// <summary>The URIs schemas are known by (retrieval URIs and nested ids).</summary>
    public IReadOnlyCollection<string> Uris => resources.Keys;

    /// <summary>Registers a schema document under <paramref name="uri"/> (and under every id it declares).</summary>
    public void Add(string uri, ReadOnlySpan<byte> schemaJson)
    {
        var document = JsonDocument.Parse(schemaJson.ToArray());
        documents.Add(document);
        Add(uri, document.RootElement);
    }

    /// <summary>Registers an already parsed schema; the element must outlive this set.</summary>
    public void Add(string uri, JsonElement schema)
    {
        var retrieval = new Uri(uri, UriKind.Absolute);
        var key = WithoutFragment(retrieval);
        var baseUri = ApplyId(schema, retrieval);

        // An explicit registration wins over an id met earlier inside another document.
        resources[key] = new SchemaResource(schema, baseUri);
        RegisterNestedIds(schema, baseUri, isRoot: true);
    }

    /// <summary>Validates <paramref name="json"/> against the schema known as <paramref name="schemaUri"/>.</summary>
    /// <returns>One message per problem, each starting with the JSON path; empty when valid.</returns>
    public IReadOnlyList<string> Validate(string schemaUri, ReadOnlySpan<byte> json)
    {
        JsonDocument instance;
        try
        {
            instance = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException exception)
        {
            return [$"$: not JSON: {exception.Message}"];
        }

        using (instance)
        {
            return Validate(schemaUri, instance.RootElement);
        }
    }

    /// <inheritdoc cref="Validate(string, ReadOnlySpan{byte})"/>
    public IReadOnlyList<string> Validate(string schemaUri, JsonElement instance)
    {
        var errors = new List<string>();
        var target = new Uri(schemaUri, UriKind.Absolute);
        if (!TryResolve(target, out var schema, out var baseUri, out var problem))
        {
            throw new ArgumentException(problem, nameof(schemaUri));
        }

        Evaluate(schema, baseUri, instance, "$", errors, refChain: []);
        return errors;
    }

    private static string WithoutFragment(Uri uri) => uri.GetLeftPart(UriPartial.Query);

    // In draft-04 an "id" changes the base URI of its schema, except beside "$ref",
    // whose other members are ignored (the OCI schemas rely on that: their
    // annotations ids would otherwise send "defs-descriptor.json" to unknown places).
    private static Uri ApplyId(JsonElement schema, Uri baseUri) =>
        schema.ValueKind == JsonValueKind.Object
            && !schema.TryGetProperty("$ref", out _)
            && schema.TryGetProperty("id", out var id)
            && id.ValueKind == JsonValueKind.String
            ? new Uri(baseUri, id.GetString()!)
            : baseUri;

    private void RegisterNestedIds(JsonElement schema, Uri baseUri, bool isRoot)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var own = isRoot ? baseUri : ApplyId(schema, baseUri);
        if (!isRoot && !ReferenceEquals(own, baseUri))
        {
            resources.TryAdd(WithoutFragment(own), new SchemaResource(schema, own));
        }

        foreach (var child in SubschemasOf(schema))
        {
            RegisterNestedIds(child, own, isRoot: false);
        }
    }

    // The members of a draft-04 schema whose values are schemas (or maps/lists of them).
    private static IEnumerable<JsonElement> SubschemasOf(JsonElement schema)
    {
        foreach (var member in schema.EnumerateObject())
        {
            switch (member.Name)
            {
                case "properties" or "patternProperties" or "definitions" or "dependencies" when member.Value.ValueKind == JsonValueKind.Object:
                    foreach (var entry in member.Value.EnumerateObject())
                    {
                        yield return entry.Value;
                    }

                    break;
                case "items" or "allOf" or "anyOf" or "oneOf" when member.Value.ValueKind == JsonValueKind.Array:
                    foreach (var item in member.Value.EnumerateArray())
                    {
                        yield return item;
                    }

                    break;
                case "items" or "additionalItems" or "additionalProperties" or "not":
                    yield return member.Value;
                    break;
            }
        }
    }

    private bool TryResolve(Uri target, out JsonElement schema, out Uri baseUri, out string problem)
    {
        schema = default;
        baseUri = target;
        problem = "";
        if (!resources.TryGetValue(WithoutFragment(target), out var resource))
        {
            problem = $"no schema is known as {WithoutFragment(target)}";
            return false;
        }

        schema = resource.Schema;
        baseUri = resource.BaseUri;
        var fragment = Uri.UnescapeDataString(target.Fragment.TrimStart('#'));
        if (fragment.Length == 0)
        {
            return true;
        }

        if (fragment[0] != '/')
        {
            problem = $"fragment \"{fragment}\" of {target} is not a JSON pointer";
            return false;
        }

        var current = schema;
        var atRoot = true;
        foreach (var token in fragment[1..].Split('/'))
        {
            // Ids met on the way down move the base; the target's own id applies when it is entered.
            baseUri = atRoot ? baseUri : ApplyId(current, baseUri);
            atRoot = false;
            var name = token.Replace("~1", "/").Replace("~0", "~");
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(name, out var next))
            {
                current = next;
            }
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(name, out var index) && index >= 0 && index < current.GetArrayLength())
            {
                current = current[index];
            }
            else
            {
                problem = $"{target} points at nothing";
                return false;
            }
        }

        schema = current;
        return true;
    }
}
