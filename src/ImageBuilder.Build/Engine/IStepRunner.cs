using ImageBuilder.Linux.Mounts;
using ImageBuilder.Linux.Sandbox;

namespace ImageBuilder.Build.Engine;

/// <summary>The engine's seam to the machine: runs a RUN step's process, and file work over an overlay root.</summary>
public interface IStepRunner
{
    Task<SandboxResult> RunAsync(SandboxSpec spec, Stream stdout, Stream stderr, CancellationToken cancellationToken);

    /// <summary>Runs synchronous file work with the overlay (and a COPY --from source) mounted; see <see cref="OverlayWorkspace"/>.</summary>
    Task ApplyAsync(OverlayWorkspaceSpec spec, Action<string, string?> work);
}

/// <summary>The real runner: ibuild's sandbox and a private mount namespace.</summary>
public sealed class LinuxStepRunner(SandboxOptions options) : IStepRunner
{
    private readonly Sandbox sandbox = new(options);

    public Task<SandboxResult> RunAsync(SandboxSpec spec, Stream stdout, Stream stderr, CancellationToken cancellationToken) =>
        sandbox.RunAsync(spec, stdout, stderr, cancellationToken);

    public Task ApplyAsync(OverlayWorkspaceSpec spec, Action<string, string?> work) => OverlayWorkspace.RunAsync(spec, work);
}
