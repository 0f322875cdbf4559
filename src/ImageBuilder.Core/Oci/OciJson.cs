using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ImageBuilder.Core.Oci;

/// <summary>
/// Reads and writes the OCI documents: <see cref="ImageManifest"/>, <see cref="ImageIndex"/>,
/// <see cref="ImageConfig"/>, <see cref="Descriptor"/>, <see cref="Platform"/> and
/// <see cref="OciLayoutHeader"/>.
/// </summary>
/// <remarks>
/// Output is canonical: UTF-8, no indentation, no trailing newline, fields in the
/// declared order, map keys in byte order, optional fields left out when null, empty,
/// false or zero (as Go's <c>omitempty</c> does), strings escaped as Go's encoding/json
/// escapes them. The same document always gives the same bytes, and a document that
/// is already canonical reads and writes back unchanged, so its digest is stable.
/// Both directions check the spec's rules and throw <see cref="OciFormatException"/>.
/// </remarks>
public static partial class OciJson
{
    private static readonly JsonSerializerOptions Options = CreateOptions();

    /// <summary>The canonical JSON of <paramref name="value"/>.</summary>
    /// <exception cref="OciFormatException">The model breaks a rule of the spec (e.g. a missing digest).</exception>
    public static byte[] Serialize<T>(T value)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(value);
        var info = TypeInfo<T>();
        var document = DocumentName(typeof(T));
        ((IOciDocument)value).Validate(document, "$");
        byte[] json;
        try
        {
            json = JsonSerializer.SerializeToUtf8Bytes(value, info);
        }
        catch (JsonException exception)
        {
            throw Describe(document, info, exception);
        }

        try
        {
            return CanonicalJsonWriter.Rewrite(json, sortRootMembers: value is ImageConfig);
        }
        catch (JsonException exception)
        {
            throw new OciFormatException(document, exception.Path ?? "$", exception.Message, exception);
        }
    }

    /// <summary>Reads and validates a document.</summary>
    /// <exception cref="OciFormatException">The bytes are not JSON, or not a valid document of this kind.</exception>
    public static T Deserialize<T>(ReadOnlySpan<byte> json)
        where T : class
    {
        var info = TypeInfo<T>();
        var document = DocumentName(typeof(T));
        T? value;
        try
        {
            // Broken JSON is reported as such, before any complaint about its content.
            CheckWellFormed(json);
            value = JsonSerializer.Deserialize(json, info);
        }
        catch (JsonException exception)
        {
            throw Describe(document, info, exception);
        }

        if (value is null)
        {
            throw new OciFormatException(document, "$", "the document is null");
        }

        ((IOciDocument)value).Validate(document, "$");
        return value;
    }

    /// <summary>Serializes <paramref name="value"/> and describes the bytes with <paramref name="mediaType"/>.</summary>
    public static (byte[] Json, Descriptor Descriptor) SerializeWithDescriptor<T>(T value, string mediaType)
        where T : class
    {
        var json = Serialize(value);
        return (json, Descriptor.ForContent(mediaType, json));
    }

    private static void CheckWellFormed(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = Options.MaxDepth == 0 ? 64 : Options.MaxDepth });
        while (reader.Read())
        {
        }
    }

    private static JsonTypeInfo<T> TypeInfo<T>() =>
        Options.GetTypeInfo(typeof(T)) as JsonTypeInfo<T> is { } info && typeof(IOciDocument).IsAssignableFrom(typeof(T))
            ? info
            : throw new NotSupportedException($"{typeof(T).Name} is not an OCI document type");

    private static string DocumentName(Type type) =>
        type == typeof(ImageManifest) ? ImageManifest.DocumentName
        : type == typeof(ImageIndex) ? ImageIndex.DocumentName
        : type == typeof(ImageConfig) ? ImageConfig.DocumentName
        : type == typeof(OciLayoutHeader) ? OciLayoutHeader.DocumentName
        : type == typeof(Platform) ? "platform"
        : "descriptor";

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(OciJsonContext.Default.Options)
        {
            TypeInfoResolver = OciJsonContext.Default.WithAddedModifier(OmitEmptyOptionalFields),
        };
        options.MakeReadOnly();
        return options;
    }

    // Go's omitempty: an optional field that is null, "", false, 0 or an empty list or
    // map is not written. Required fields (size, layers, diff_ids, …) always are.
    private static void OmitEmptyOptionalFields(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        foreach (var property in info.Properties)
        {
            if (!property.IsRequired && !property.IsExtensionData)
            {
                property.ShouldSerialize = static (_, value) => !IsEmpty(value);
            }
        }
    }

    private static bool IsEmpty(object? value) => value switch
    {
        null => true,
        string text => text.Length == 0,
        bool flag => !flag,
        int number => number == 0,
        long number => number == 0,
        ReadOnlyMemory<byte> bytes => bytes.IsEmpty,
        ICollection collection => collection.Count == 0,
        IEnumerable sequence => !HasAny(sequence),
        _ => false,
    };

    private static bool HasAny(IEnumerable sequence)
    {
        var enumerator = sequence.GetEnumerator();
        try
        {
            return enumerator.MoveNext();
        }
        finally
        {
            (enumerator as IDisposable)?.Dispose();
        }
    }
}
