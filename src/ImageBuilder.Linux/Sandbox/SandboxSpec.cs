namespace ImageBuilder.Linux.Sandbox;

/// <summary>
/// One process to run over an overlay of <paramref name="LowerDirs"/> (top first) and a fresh
/// <paramref name="UpperDir"/> (with <paramref name="WorkDir"/> as overlayfs's work dir, on the
/// same file system). <paramref name="ScratchDir"/> is the caller's: the merged root and the
/// generated /etc files live there for the run. <paramref name="User"/> is <c>name</c>,
/// <c>uid</c>, <c>name:group</c> or <c>uid:gid</c>; null or empty means root.
/// <paramref name="OpenFiles"/> is the step's RLIMIT_NOFILE; null means <see cref="OpenFileLimit.Default"/>.
/// <paramref name="Network"/> is the host's, none (only <c>lo</c>) or a private one.
/// <paramref name="Mounts"/> are the step's RUN --mount mounts, made in order.
/// <see cref="SyscallFilter"/> is the seccomp profile the command runs under.
/// </summary>
public sealed record SandboxSpec(
    IReadOnlyList<string> LowerDirs,
    string UpperDir,
    string WorkDir,
    string ScratchDir,
    IReadOnlyList<string> Argv,
    IReadOnlyList<string> Env,
    string WorkingDirectory,
    string? User,
    SandboxNetwork Network,
    string Hostname,
    Cgroups.ResourceLimits? Limits = null,
    OpenFileLimit? OpenFiles = null,
    IReadOnlyList<SandboxMount>? Mounts = null)
{
    /// <summary>
    /// The seccomp profile, compiled for the step's capability set: Docker's default unless
    /// set; null runs the command with no syscall filter (what a RUN --security=insecure would ask).
    /// </summary>
    public Seccomp.SeccompProfile? SyscallFilter { get; init; } = Seccomp.SeccompProfile.DockerDefault;

    /// <summary>Every capability and no masked or read-only paths (<c>RUN --security=insecure</c>, with no <see cref="SyscallFilter"/>).</summary>
    public bool Insecure { get; init; }
}

/// <summary>
/// A step's RLIMIT_NOFILE. The init applies it capped by ibuild's own hard limit (it is only
/// ever lowered), so a step sees the same limit however ibuild was started.
/// </summary>
public sealed record OpenFileLimit(ulong Soft, ulong Hard)
{
    /// <summary>What a RUN step gets from Docker 25+ with BuildKit on a systemd host: BuildKit
    /// drops containerd's default 1024:1024 and the step inherits the daemon's limits, which
    /// systemd (DefaultLimitNOFILE) sets to 1024 soft, 524288 hard.</summary>
    public static OpenFileLimit Default { get; } = new(1024, 524288);
}

/// <summary>How the process ended: its exit code, or the signal that killed it.</summary>
public sealed record SandboxResult(int ExitCode, int? Signal, bool OomKilled = false);

/// <summary>
/// Where the sandbox's init is: <c>ibuild-init</c>, a NativeAOT program (see
/// ImageBuilder.SandboxInit) that starts in a few milliseconds where a .NET runtime takes tens.
/// </summary>
public sealed record SandboxOptions(string InitPath)
{
    /// <summary>Tests only: stop the init, hand it its request, close the pipe as a dead ibuild
    /// would, then let it go on; its liveness check must then refuse to run the command.</summary>
    internal bool AbandonInitBeforeExec { get; init; }

    /// <summary>
    /// A directory where compiled syscall filters are kept between processes (a build's: in the
    /// store); without one every process compiles its own.
    /// </summary>
    public string? SyscallFilterCache { get; init; }

    /// <summary>The init's file name, beside ibuild.dll in every build and publish output.</summary>
    public const string InitFileName = "ibuild-init";

    /// <summary>The init beside the running program (or beside the tests, which get a copy).</summary>
    public static SandboxOptions ForCurrentProgram()
    {
        var path = Path.Combine(AppContext.BaseDirectory, InitFileName);
        return File.Exists(path) ? new SandboxOptions(path) : throw new SandboxException($"the sandbox init {path} is missing");
    }
}

/// <summary>The sandbox could not be set up (not: the command failed).</summary>
public sealed class SandboxException(string message, Exception? inner = null) : Exception(message, inner);
