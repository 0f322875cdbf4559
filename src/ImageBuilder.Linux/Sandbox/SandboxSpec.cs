namespace ImageBuilder.Linux.Sandbox;

/// <summary>
/// One process to run over an overlay of <paramref name="LowerDirs"/> (top first) and a fresh
/// <paramref name="UpperDir"/> (with <paramref name="WorkDir"/> as overlayfs's work dir, on the
/// same file system). <paramref name="ScratchDir"/> is the caller's: the merged root and the
/// generated /etc files live there for the run. <paramref name="User"/> is <c>name</c>,
/// <c>uid</c>, <c>name:group</c> or <c>uid:gid</c>; null or empty means root.
/// <paramref name="OpenFiles"/> is the step's RLIMIT_NOFILE; null means <see cref="OpenFileLimit.Default"/>.
/// <paramref name="Mounts"/> are the step's RUN --mount mounts, made in order.
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
    bool IsolateNetwork,
    string Hostname,
    Cgroups.ResourceLimits? Limits = null,
    OpenFileLimit? OpenFiles = null,
    IReadOnlyList<SandboxMount>? Mounts = null);

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

/// <summary>How the sandbox starts its init process (ibuild itself in its hidden init mode).</summary>
public sealed record SandboxOptions(IReadOnlyList<string> InitCommand)
{
    /// <summary>Tests only: stop the init, hand it its request, close the pipe as a dead ibuild
    /// would, then let it go on; its liveness check must then refuse to run the command.</summary>
    internal bool AbandonInitBeforeExec { get; init; }

    /// <summary>The argument that puts ibuild into its init mode.</summary>
    public const string InitVerb = "__sandbox-init";

    /// <summary>The running program itself: <c>ibuild __sandbox-init</c>, or
    /// <c>dotnet ibuild.dll __sandbox-init</c> when it runs under the dotnet host.</summary>
    public static SandboxOptions ForCurrentProgram()
    {
        var process = Environment.ProcessPath ?? throw new SandboxException("cannot tell which program is running");
        if (Path.GetFileNameWithoutExtension(process) != "dotnet")
        {
            return new SandboxOptions([process, InitVerb]);
        }

        // Under the dotnet host: ibuild.dll, which is the entry assembly when ibuild runs, and
        // sits next to the program when ibuild is hosted by something else (the test host).
        var entry = System.Reflection.Assembly.GetEntryAssembly()?.Location;
        var beside = Path.Combine(AppContext.BaseDirectory, "ibuild.dll");
        var dll = File.Exists(beside) ? beside : entry;
        return string.IsNullOrEmpty(dll)
            ? throw new SandboxException("cannot find ibuild.dll to start the sandbox init")
            : new SandboxOptions([process, dll, InitVerb]);
    }
}

/// <summary>The sandbox could not be set up (not: the command failed).</summary>
public sealed class SandboxException(string message, Exception? inner = null) : Exception(message, inner);
