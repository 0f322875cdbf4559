using ImageBuilder.Core.Oci;

namespace ImageBuilder.Build.Engine;

/// <summary>How a build runs (not what it builds): parallelism, cache use, and the RUN sandbox's settings.</summary>
public sealed record EngineOptions
{
    /// <summary>
    /// The default for <see cref="Jobs"/>: twice the number of cores. Steps wait on the network
    /// (package downloads), on disk and on sleeps as much as they compute, so one per core leaves
    /// cores idle; BuildKit does not bound them at all.
    /// </summary>
    public static int DefaultJobs => 2 * Environment.ProcessorCount;

    /// <summary>Steps (RUN, COPY, ADD, WORKDIR) running at once across stages; at least 1.</summary>
    public int Jobs { get; init; } = DefaultJobs;

    /// <summary>Ignore cache records (new ones are still written).</summary>
    public bool NoCache { get; init; }

    /// <summary>RUN's network when the step does not say (or says <c>default</c>): the build's private network unless <c>--network</c> chose another.</summary>
    public NetworkMode Network { get; init; } = NetworkMode.Private;

    /// <summary>cgroup limits for every RUN step, or none.</summary>
    public StepLimits? Limits { get; init; }

    /// <summary><c>--secret</c> values by id, for RUN --mount=type=secret. They never enter a cache key or a layer.</summary>
    public IReadOnlyDictionary<string, byte[]> Secrets { get; init; } = new Dictionary<string, byte[]>();

    /// <summary>
    /// <c>--ssh</c> agents by id: the host path of each agent's socket, for RUN --mount=type=ssh
    /// (proxied, read-only) and ADD of an ssh git remote (<c>default</c>). Never in a key or a layer.
    /// </summary>
    public IReadOnlyDictionary<string, string> SshAgents { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// What this build's steps are positions of (the Dockerfile's full path and the platform): a
    /// step's inputs are kept under it with its stage and place, so that a later miss of the same
    /// step says which input changed. Null keeps nothing (and explains nothing).
    /// </summary>
    public string? StepScope { get; init; }

    /// <summary>SOURCE_DATE_EPOCH: history times and file times in new layers are clamped to it.</summary>
    public DateTimeOffset? SourceDateEpoch { get; init; }
}

/// <summary>A progress event's step: a number in the BuildKit style (#1, #2 …) and the step's title.</summary>
public sealed record StepHandle(int Number, string Title);

/// <summary>What the engine reports while it works; renderers (plain, live) implement it. Calls may come from several threads.</summary>
public interface IBuildProgress
{
    StepHandle Start(string title);

    void Cached(StepHandle step);

    void Output(StepHandle step, ReadOnlySpan<byte> data);

    void Done(StepHandle step);

    void Failed(StepHandle step, string message);

    /// <summary>The step runs although the store remembers an earlier build of it: <paramref name="reason"/> names the input that changed.</summary>
    void Missed(StepHandle step, string reason)
    {
    }
}
