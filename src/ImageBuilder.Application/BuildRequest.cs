using ImageBuilder.Application.Registries;
using ImageBuilder.Build.Engine;
using ImageBuilder.Core.References;
using ImageBuilder.Dockerfile.Instructions;
using ImageBuilder.Planning;

namespace ImageBuilder.Application;

/// <summary>
/// One build, as the command line asked for it: the parsed Dockerfile and its context, what shapes
/// the plan, how the engine runs, and what happens to the image (names, export, push, cache).
/// <paramref name="DockerfilePath"/> is null when the Dockerfile came from standard input (no
/// <c>Dockerfile.dockerignore</c> beside it then).
/// </summary>
public sealed record BuildRequest(
    string? Root, string ContextDir, string? DockerfilePath, DockerfileDocument Document, PlanOptions Plan, EngineOptions Engine)
{
    /// <summary>
    /// <c>--platform a,b,…</c> with more than one platform: the target is built once for each (the
    /// plan's <see cref="PlanOptions.Platform"/> set to it) and the images named as one index. Empty:
    /// one image, for the plan's platform.
    /// </summary>
    public IReadOnlyList<Core.Oci.Platform> Platforms { get; init; } = [];

    /// <summary><c>-t</c>: the image's names; none leaves it untagged (still kept until a prune).</summary>
    public IReadOnlyList<ImageReference> Tags { get; init; } = [];

    /// <summary><c>--output</c>: an export besides the store, or a registry to push to.</summary>
    public BuildOutput? Output { get; init; }

    /// <summary><c>--pull=missing|always|never</c>: when FROM (and --from) images are pulled.</summary>
    public PullPolicy Pull { get; init; } = PullPolicy.Missing;

    /// <summary><c>--push</c>: push the image under every -t name.</summary>
    public bool Push { get; init; }

    /// <summary><c>--cache-from type=registry,ref=R</c> or <c>type=local,src=DIR</c> (repeatable).</summary>
    public IReadOnlyList<CacheSpec> CacheFrom { get; init; } = [];

    /// <summary><c>--cache-to type=registry,ref=R</c> or <c>type=local,dest=DIR</c> (<c>,mode=min|max</c>).</summary>
    public CacheSpec? CacheTo { get; init; }

    public RegistrySettings Registries { get; init; } = RegistrySettings.Default;

    /// <summary><c>--ssh ID[=SOCKET|KEY…]</c>: the agents RUN --mount=type=ssh (and ADD of an ssh git remote) may use.</summary>
    public IReadOnlyList<SshAgentSpec> Ssh { get; init; } = [];

    /// <summary>
    /// <c>--provenance</c> as given; null when not given: then a pushed image (<c>--push</c>,
    /// <c>-o type=registry</c>) and a <c>type=oci</c> archive get a mode=min attestation, the store
    /// and the other outputs none, as buildx does. Given and not off, the store's name gets it too.
    /// </summary>
    public Provenance.ProvenanceOption? Provenance { get; init; }

    /// <summary>The Dockerfile's text and its name as the frontend knows it (<c>filename</c>): what provenance records.</summary>
    public string DockerfileText { get; init; } = "";

    /// <inheritdoc cref="DockerfileText"/>
    public string DockerfileName { get; init; } = "Dockerfile";

    /// <summary><c>--trace FILE</c>: where the build's trace (Chrome trace-event JSON) is written when it ends; null: not traced.</summary>
    public string? TracePath { get; init; }
}

/// <summary>
/// A build cache in a registry (<c>type=registry,ref=R[,mode=min|max]</c>) or, with
/// <see cref="Directory"/>, in a directory (<c>type=local,dest=DIR</c> / <c>src=DIR</c>);
/// <paramref name="Max"/> exports every stage's steps.
/// </summary>
public sealed record CacheSpec(ImageReference? Reference, bool Max)
{
    /// <summary>The directory of a local cache (<see cref="LocalCache"/>); null for a registry's.</summary>
    public string? Directory { get; init; }

    /// <summary><c>mounts=true</c> (--cache-to): the content of the build's cache mounts goes with the cache (<see cref="CacheMounts"/>).</summary>
    public bool Mounts { get; init; }

    /// <summary>How progress names it.</summary>
    public string Name => Directory ?? Reference!.ToFamiliarString();
}
