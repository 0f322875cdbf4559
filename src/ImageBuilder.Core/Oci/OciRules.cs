using System.Text.RegularExpressions;

namespace ImageBuilder.Core.Oci;

/// <summary>
/// The field rules the OCI image-spec states (its JSON schemas plus the checks its Go
/// validator adds), applied when a document is read or written. Each rule throws an
/// <see cref="OciFormatException"/> naming the field.
/// </summary>
internal static partial class OciRules
{
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\z", RegexOptions.CultureInvariant)]
    private static partial Regex MediaTypePattern();

    // RFC 3986: a scheme, a colon, then only characters a URI may hold (percent escapes complete).
    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9._~!$&'()*+,;=:@/?#\[\]-]|%[0-9A-Fa-f]{2})*\z", RegexOptions.CultureInvariant)]
    private static partial Regex UriPattern();

    public static bool IsMediaType(string? value) => value is not null && MediaTypePattern().IsMatch(value);

    public static bool IsUri(string? value) => value is not null && UriPattern().IsMatch(value);

    public static void MediaType(string document, string field, string? value)
    {
        if (value is null)
        {
            throw new OciFormatException(document, field, "is required");
        }

        if (!IsMediaType(value))
        {
            throw new OciFormatException(document, field, $"\"{value}\" is not a media type (type/subtype)");
        }
    }

    // Empty counts as absent: it is what the writer leaves out.
    public static void OptionalMediaType(string document, string field, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            MediaType(document, field, value);
        }
    }

    public static void Digest(string document, string field, Digest value)
    {
        if (value.IsEmpty)
        {
            throw new OciFormatException(document, field, "is required");
        }
    }

    public static void SchemaVersion(string document, int value)
    {
        if (value != 2)
        {
            throw new OciFormatException(document, "$.schemaVersion", $"must be 2, not {value}");
        }
    }

    public static void Urls(string document, string field, IReadOnlyList<string>? urls)
    {
        for (var i = 0; i < (urls?.Count ?? 0); i++)
        {
            if (!IsUri(urls![i]))
            {
                throw new OciFormatException(document, $"{field}[{i}]", $"\"{urls[i]}\" is not an absolute URI");
            }
        }
    }

    public static void Required(string document, string field, object? value)
    {
        if (value is null)
        {
            throw new OciFormatException(document, field, "is required");
        }
    }

    public static void Timestamp(string document, string field, string? value)
    {
        if (value is not null && !OciTimestamp.IsValid(value))
        {
            throw new OciFormatException(document, field, $"\"{value}\" is not an RFC 3339 time");
        }
    }

    /// <summary>
    /// An environment entry is NAME=value with a non-empty NAME (the Go validator's
    /// <c>^[^=]+=.*$</c>, except that a value may span lines, as Docker allows).
    /// </summary>
    public static void Env(string document, string field, IReadOnlyList<string>? env)
    {
        for (var i = 0; i < (env?.Count ?? 0); i++)
        {
            if (env![i] is null || env[i].IndexOf('=') < 1)
            {
                throw new OciFormatException(document, $"{field}[{i}]", $"\"{env[i]}\" is not NAME=value");
            }
        }
    }
}
