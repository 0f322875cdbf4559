namespace ImageBuilder.Linux.Sandbox;

/// <summary>
/// One process to run over an overlay of <paramref name="LowerDirs"/> (top first) and a fresh
/// <paramref name="UpperDir"/> (with <paramref name="WorkDir"/> as overlayfs's work dir, on the
/// same file system). <paramref name="ScratchDir"/> is the caller's: the merged root and the
/// generated /etc files live there for the run. <paramref name="User"/> is <c>name</c>,
/// <c>uid</c>, <c>name:group</c> or <c>uid:gid</c>; null or empty means root.
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
    string Hostname);

/// <summary>How the process ended: its exit code, or the signal that killed it.</summary>
public sealed record SandboxResult(int ExitCode, int? Signal);

/// <summary>How the sandbox starts its init process (ibuild itself in its hidden init mode).</summary>
public sealed record SandboxOptions(IReadOnlyList<string> InitCommand)
{
    /// <summary>The argument that puts ibuild into its init mode.</summary>
    public const string InitVerb = "__sandbox-init";

    /// <summary>The running program itself: <c>ibuild __sandbox-init</c>, or
    /// <c>dotnet ibuild.dll __sandbox-init</c> when it runs under the dotnet host.</summary>
    public static SandboxOptions ForCurrentProgram()
    {
        var process = Environment.ProcessPath ?? throw new SandboxException("cannot tell which program is running");
        var entry = System.Reflection.Assembly.GetEntryAssembly()?.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" && !string.IsNullOrEmpty(entry)
            ? new SandboxOptions([process, entry, InitVerb])
            : new SandboxOptions([process, InitVerb]);
    }
}

/// <summary>The sandbox could not be set up (not: the command failed).</summary>
public sealed class SandboxException(string message, Exception? inner = null) : Exception(message, inner);
