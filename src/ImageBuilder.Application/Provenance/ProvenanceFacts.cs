using ImageBuilder.Core.Oci;

namespace ImageBuilder.Application.Provenance;

/// <summary>
/// What a build's provenance says beyond its plan and its image: the request as the frontend got
/// it (Dockerfile name and text, target, build args, labels), when it ran, and the id all its
/// platforms' attestations share (BuildKit's invocation id). Secret values are never here: the
/// plan names secrets by id only.
/// </summary>
public sealed record ProvenanceFacts(
    ProvenanceOption Option,
    string InvocationId,
    DateTimeOffset StartedOn,
    DateTimeOffset FinishedOn,
    string DockerfileName,
    string DockerfileText)
{
    /// <summary><c>--target</c>, or null.</summary>
    public string? Target { get; init; }

    /// <summary><c>--build-arg</c> values as given (mode=max only, as BuildKit).</summary>
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    /// <summary><c>--label</c> values as given (mode=max only, as BuildKit).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The machine the build ran on (BuildKit's <c>builderPlatform</c>).</summary>
    public Platform BuilderPlatform { get; init; } = Platform.Current;

    /// <summary>A new invocation id: 25 characters of [0-9a-z], as BuildKit's.</summary>
    public static string NewInvocationId()
    {
        const string Alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
        return string.Create(25, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[Random.Shared.Next(Alphabet.Length)];
            }
        });
    }
}
