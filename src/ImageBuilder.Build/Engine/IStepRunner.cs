using ImageBuilder.Core.Oci;

namespace ImageBuilder.Build.Engine;

/// <summary>
/// The engine's seam for RUN: runs one step's process over its root. The Linux implementation
/// (<c>ImageBuilder.Build.Machine.LinuxStepRunner</c>) is ibuild's sandbox; tests use a fake.
/// A runner serves one build and may keep what its steps share (the private network, started
/// when the first step needs it): disposing it, when the build ends, stops that.
/// </summary>
public interface IStepRunner : IAsyncDisposable
{
    /// <summary>Runs the process to its end; its output goes to <paramref name="stdout"/> and <paramref name="stderr"/>.</summary>
    /// <exception cref="StepSetupException">The step's sandbox could not be set up (not: the command failed).</exception>
    Task<StepExit> RunAsync(StepProcess process, Stream stdout, Stream stderr, CancellationToken cancellationToken);

    /// <summary>
    /// A step on <paramref name="network"/> will probably run soon (its stage has just missed the
    /// cache): the runner may prepare what such a step needs and shares (its syscall filter, the
    /// private network) in the background, so that the step does not wait for it. A failure
    /// surfaces when a step asks.
    /// </summary>
    void Anticipate(NetworkMode network)
    {
    }

    /// <summary>
    /// Why RUN steps of <paramref name="platform"/> cannot run here — not the machine's and no
    /// emulator registered for it — with what to do (the hint); null when they can.
    /// </summary>
    (string Reason, string Hint)? WhyCannotRun(Platform platform) => null;
}

/// <summary>
/// A step's directories: its root is the union of <paramref name="LowerDirs"/> (top first, may be
/// empty) under a fresh upper dir, all inside <paramref name="ScratchDir"/>, which the step owns
/// for its run (what the upper dir holds afterwards becomes the step's layer).
/// </summary>
public sealed record StepRoot(IReadOnlyList<string> LowerDirs, string ScratchDir)
{
    /// <summary>Where the step's changes go.</summary>
    public string UpperDir => Path.Combine(ScratchDir, "upper");

    /// <summary>overlayfs's work dir, on the upper dir's file system.</summary>
    public string WorkDir => Path.Combine(ScratchDir, "work");

    /// <summary>Where file work mounts the root.</summary>
    public string MergedDir => Path.Combine(ScratchDir, "merged");

    /// <summary>Where file work mounts a COPY --from source of several layers.</summary>
    public string SourceDir => Path.Combine(ScratchDir, "source");
}

/// <summary>
/// One RUN process: <paramref name="Argv"/> with <paramref name="Env"/> in
/// <paramref name="WorkingDirectory"/> as <paramref name="User"/> (<c>name</c>, <c>uid</c>,
/// <c>name:group</c> or <c>uid:gid</c>; null or empty means root), on <paramref name="Network"/>,
/// with the step's RUN --mount <paramref name="Mounts"/> made in order.
/// </summary>
public sealed record StepProcess(
    StepRoot Root,
    IReadOnlyList<string> Argv,
    IReadOnlyList<string> Env,
    string WorkingDirectory,
    string? User,
    NetworkMode Network,
    string Hostname,
    StepLimits? Limits,
    IReadOnlyList<StepMount> Mounts)
{
    /// <summary><c>RUN --security=insecure</c>: every capability, no masked or read-only paths, no syscall filter.</summary>
    public bool Insecure { get; init; }
}

/// <summary>A RUN step's network (<c>--network</c>, <c>RUN --network=</c>).</summary>
public enum NetworkMode
{
    /// <summary>The build's own network: outbound connections and DNS, nothing of the host's loopback; one per build (<c>default</c>).</summary>
    Private,

    /// <summary>The host's network (<c>host</c>, which needs the <c>network.host</c> entitlement).</summary>
    Host,

    /// <summary>Only a loopback interface (<c>none</c>).</summary>
    None,
}

/// <summary>How a RUN process ended: its exit code, or the signal that killed it, and whether the kernel's OOM killer did.</summary>
public sealed record StepExit(int ExitCode, int? Signal = null, bool OomKilled = false);

/// <summary>What one RUN step may use; a null member means no limit of that kind.</summary>
public sealed record StepLimits(long? MemoryBytes = null, int? PidsLimit = null, double? Cpus = null);

/// <summary>A step's sandbox (or the mounts of its file work) could not be set up; the command never ran.</summary>
public sealed class StepSetupException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>What could not be set up.</summary>
    public StepSetupFailure Reason { get; init; } = StepSetupFailure.Sandbox;

    /// <summary>What the user can do about it, when something can be said.</summary>
    public string? Hint { get; init; }
}

/// <summary>Why a step's sandbox could not be set up.</summary>
public enum StepSetupFailure
{
    /// <summary>The sandbox itself (namespaces, mounts, the init).</summary>
    Sandbox,

    /// <summary>The private network: its user-mode network stack is missing or failed to start.</summary>
    Network,
}
