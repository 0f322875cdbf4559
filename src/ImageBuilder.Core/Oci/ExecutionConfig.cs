using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImageBuilder.Core.Oci;

/// <summary>
/// The <c>config</c> member of an image config: what a container of the image starts
/// with. Keys are Docker's PascalCase names, in the order of the Go types BuildKit
/// writes (image-spec's <c>ImageConfig</c>, then Docker's Healthcheck, OnBuild, Shell).
/// Not to be confused with Docker's legacy top-level <c>container_config</c>, which
/// the model keeps as an unknown field.
/// </summary>
public sealed record ExecutionConfig : ExtensibleRecord
{
    [JsonPropertyName("User")]
    public string? User { get; init; }

    /// <summary>Ports as <c>port/proto</c>; JSON holds them as a map to <c>{}</c>.</summary>
    [JsonPropertyName("ExposedPorts")]
    [JsonConverter(typeof(KeySetConverter))]
    public IReadOnlyList<string>? ExposedPorts { get; init; }

    /// <summary>NAME=value entries.</summary>
    [JsonPropertyName("Env")]
    public IReadOnlyList<string>? Env { get; init; }

    [JsonPropertyName("Entrypoint")]
    public IReadOnlyList<string>? Entrypoint { get; init; }

    [JsonPropertyName("Cmd")]
    public IReadOnlyList<string>? Cmd { get; init; }

    /// <summary>Volume paths; JSON holds them as a map to <c>{}</c>.</summary>
    [JsonPropertyName("Volumes")]
    [JsonConverter(typeof(KeySetConverter))]
    public IReadOnlyList<string>? Volumes { get; init; }

    [JsonPropertyName("WorkingDir")]
    public string? WorkingDir { get; init; }

    [JsonPropertyName("Labels")]
    [JsonConverter(typeof(StringMapConverter))]
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    [JsonPropertyName("StopSignal")]
    public string? StopSignal { get; init; }

    /// <summary>Windows only: the command line is already escaped.</summary>
    [JsonPropertyName("ArgsEscaped")]
    public bool ArgsEscaped { get; init; }

    [JsonPropertyName("Healthcheck")]
    public HealthCheck? Healthcheck { get; init; }

    /// <summary>Instructions to run when the image is used as a base (ONBUILD).</summary>
    [JsonPropertyName("OnBuild")]
    public IReadOnlyList<string>? OnBuild { get; init; }

    /// <summary>The shell for shell-form RUN, CMD and ENTRYPOINT (SHELL).</summary>
    [JsonPropertyName("Shell")]
    public IReadOnlyList<string>? Shell { get; init; }

    internal void Validate(string document, string path) => OciRules.Env(document, path + ".Env", Env);
}

/// <summary>
/// Docker's HEALTHCHECK settings. Durations are nanoseconds, as Go's time.Duration is
/// written; zero means "inherit the default" and is left out of the JSON.
/// </summary>
public sealed record HealthCheck : ExtensibleRecord
{
    /// <summary><c>["NONE"]</c>, <c>["CMD", args…]</c> or <c>["CMD-SHELL", command]</c>.</summary>
    [JsonPropertyName("Test")]
    public IReadOnlyList<string>? Test { get; init; }

    /// <summary>Nanoseconds between checks.</summary>
    [JsonPropertyName("Interval")]
    public long Interval { get; init; }

    /// <summary>Nanoseconds before a check counts as hung.</summary>
    [JsonPropertyName("Timeout")]
    public long Timeout { get; init; }

    /// <summary>Nanoseconds of start-up during which failures do not count.</summary>
    [JsonPropertyName("StartPeriod")]
    public long StartPeriod { get; init; }

    /// <summary>Nanoseconds between checks during the start period.</summary>
    [JsonPropertyName("StartInterval")]
    public long StartInterval { get; init; }

    /// <summary>Failures in a row that make the container unhealthy.</summary>
    [JsonPropertyName("Retries")]
    public int Retries { get; init; }
}
