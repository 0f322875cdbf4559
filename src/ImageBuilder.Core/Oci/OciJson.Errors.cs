using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace ImageBuilder.Core.Oci;

// Turning the serializer's exceptions, which speak of .NET types, into messages
// about the JSON: the field's path and the JSON it should have held.
public static partial class OciJson
{
    [GeneratedRegex(@"missing required properties including: (?<names>.*?)\.?$", RegexOptions.CultureInvariant)]
    private static partial Regex MissingRequired();

    [GeneratedRegex(@"^The JSON value could not be converted to ", RegexOptions.CultureInvariant)]
    private static partial Regex WrongType();

    [GeneratedRegex(@"The property or field '(?<name>[^']*)'.*doesn't allow (?:setting|getting) null", RegexOptions.CultureInvariant)]
    private static partial Regex NullNotAllowed();

    // One step of a serializer path: .name, ['name'] or [index].
    [GeneratedRegex(@"\.(?<name>[^.\[]+)|\['(?<name>(?:[^']|'')*)'\]|\[(?<index>[0-9]+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex PathStep();

    private static OciFormatException Describe(string document, JsonTypeInfo root, JsonException exception)
    {
        var message = exception.Message;
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        }

        message = cut >= 0 ? message[..cut] : message;
        var field = exception.Path ?? "$";
        if (MissingRequired().Match(message) is { Success: true } missing)
        {
            message = $"missing required {missing.Groups["names"].Value.Replace('\'', '"')}";
        }
        else if (NullNotAllowed().Match(message) is { Success: true } nullValue)
        {
            message = $"\"{nullValue.Groups["name"].Value}\" must not be null";
        }
        else if (WrongType().IsMatch(message))
        {
            message = $"expected {ExpectedJson(root, field)}";
        }

        if (exception.LineNumber is { } line)
        {
            message += $" (line {line + 1}, byte {exception.BytePositionInLine + 1})";
        }

        return new OciFormatException(document, field, message, exception);
    }

    // Follows the path through the serializer's contracts to the type the field has.
    private static string ExpectedJson(JsonTypeInfo root, string path)
    {
        var info = root;
        foreach (Match step in PathStep().Matches(path))
        {
            Type? next;
            if (step.Groups["index"].Success)
            {
                next = info.ElementType;
            }
            else
            {
                var name = step.Groups["name"].Value.Replace("''", "'");
                next = info.Kind == JsonTypeInfoKind.Dictionary
                    ? info.ElementType
                    : info.Properties.FirstOrDefault(property => property.Name == name)?.PropertyType;
            }

            if (next is null)
            {
                return "another JSON type";
            }

            info = Options.GetTypeInfo(Nullable.GetUnderlyingType(next) ?? next);
        }

        var type = info.Type;
        return type == typeof(string) ? "a string"
            : type == typeof(int) || type == typeof(long) ? "an integer"
            : type == typeof(bool) ? "true or false"
            : type == typeof(Digest) ? "a digest string"
            : type == typeof(ReadOnlyMemory<byte>) ? "a base64 string (padded)"
            : info.Kind == JsonTypeInfoKind.Enumerable ? "an array"
            : "an object";
    }
}
