using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImageBuilder.Core.Archives;

/// <summary>One image in a docker-save archive's <c>manifest.json</c>.</summary>
public sealed record DockerArchiveEntry
{
    [JsonPropertyName("Config")]
    public required string Config { get; init; }

    [JsonPropertyName("RepoTags")]
    public IReadOnlyList<string>? RepoTags { get; init; }

    [JsonPropertyName("Layers")]
    public required IReadOnlyList<string> Layers { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<DockerArchiveEntry>))]
[JsonSerializable(typeof(Dictionary<string, Dictionary<string, string>>))]
internal sealed partial class DockerArchiveJsonContext : JsonSerializerContext;

/// <summary>Reads and writes <c>manifest.json</c> and <c>repositories</c> of docker archives.</summary>
public static class DockerArchiveManifest
{
    /// <summary>The entries of <c>manifest.json</c>, each with a config, a list of layers and no null anywhere.</summary>
    /// <exception cref="ArchiveFormatException">Not JSON, not a list of entries, or an entry with a null or empty member.</exception>
    public static IReadOnlyList<DockerArchiveEntry> Read(byte[] json)
    {
        List<DockerArchiveEntry>? entries;
        try
        {
            entries = JsonSerializer.Deserialize(json, DockerArchiveJsonContext.Default.ListDockerArchiveEntry);
        }
        catch (JsonException e)
        {
            throw new ArchiveFormatException($"manifest.json is not valid: {e.Message}");
        }

        if (entries is null || entries.Count == 0)
        {
            throw new ArchiveFormatException("manifest.json lists no image");
        }

        for (var i = 0; i < entries.Count; i++)
        {
            Check(entries[i], $"manifest.json[{i}]");
        }

        return entries;
    }

    // System.Text.Json lets null through for `required` members and list items: each is checked here.
    private static void Check(DockerArchiveEntry? entry, string where)
    {
        if (entry is null)
        {
            throw new ArchiveFormatException($"{where} is null, not an image entry");
        }

        if (string.IsNullOrEmpty(entry.Config))
        {
            throw new ArchiveFormatException($"{where}.Config is {(entry.Config is null ? "null" : "empty")}: the entry names no config");
        }

        if (entry.Layers is null)
        {
            throw new ArchiveFormatException($"{where}.Layers is null: the entry lists no layers");
        }

        for (var j = 0; j < entry.Layers.Count; j++)
        {
            if (string.IsNullOrEmpty(entry.Layers[j]))
            {
                throw new ArchiveFormatException($"{where}.Layers[{j}] is {(entry.Layers[j] is null ? "null" : "empty")}, not a layer file");
            }
        }

        for (var j = 0; j < (entry.RepoTags?.Count ?? 0); j++)
        {
            if (entry.RepoTags![j] is null)
            {
                throw new ArchiveFormatException($"{where}.RepoTags[{j}] is null, not a name");
            }
        }
    }

    public static byte[] Write(IReadOnlyList<DockerArchiveEntry> entries) =>
        JsonSerializer.SerializeToUtf8Bytes(entries.ToList(), DockerArchiveJsonContext.Default.ListDockerArchiveEntry);

    /// <summary>The legacy <c>repositories</c> file: repository → tag → id of the top layer.</summary>
    public static byte[] WriteRepositories(Dictionary<string, Dictionary<string, string>> repositories) =>
        JsonSerializer.SerializeToUtf8Bytes(repositories, DockerArchiveJsonContext.Default.DictionaryStringDictionaryStringString);
}

/// <summary>An archive (docker-save, OCI archive or layout, rootfs tarball) that ibuild cannot read.</summary>
public sealed class ArchiveFormatException(string message) : Exception(message);
