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
    public static IReadOnlyList<DockerArchiveEntry> Read(byte[] json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, DockerArchiveJsonContext.Default.ListDockerArchiveEntry)
                ?? throw new ArchiveFormatException("manifest.json is empty");
        }
        catch (JsonException e)
        {
            throw new ArchiveFormatException($"manifest.json is not valid: {e.Message}");
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
