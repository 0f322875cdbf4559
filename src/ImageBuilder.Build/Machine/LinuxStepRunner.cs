using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Tracing;
using ImageBuilder.Linux.Cgroups;
using ImageBuilder.Linux.Emulation;
using ImageBuilder.Linux.Layers;
using ImageBuilder.Linux.Network;
using ImageBuilder.Linux.Rootless;
using ImageBuilder.Linux.Sandbox;

namespace ImageBuilder.Build.Machine;

/// <summary>
/// The real <see cref="IStepRunner"/>: ibuild's sandbox (namespaces, an overlay root, seccomp,
/// cgroup limits). It serves one build: every step on the private network joins the same one,
/// started by the first such step and stopped when the runner is disposed.
/// </summary>
public sealed class LinuxStepRunner(SandboxOptions options) : IStepRunner
{
    private readonly Sandbox sandbox = new(options);
    private readonly SharedNetwork network = new();

    /// <summary>Another platform's steps run through QEMU, which binfmt_misc must have registered (<see cref="BinfmtMisc"/>).</summary>
    public (string Reason, string Hint)? WhyCannotRun(Platform platform) => BinfmtMisc.WhyCannotRun(platform);

    public async Task<StepExit> RunAsync(StepProcess process, Stream stdout, Stream stderr, CancellationToken cancellationToken)
    {
        HostMode.Current.RequireUserNamespace("running a step");
        var root = process.Root;
        var limits = process.Limits is { } l ? new ResourceLimits(l.MemoryBytes, l.PidsLimit, l.Cpus) : null;
        var spec = new SandboxSpec(
            root.LowerDirs, root.UpperDir, root.WorkDir, root.ScratchDir, process.Argv, process.Env, process.WorkingDirectory, process.User,
            await NetworkAsync(process.Network, cancellationToken), process.Hostname, limits, Mounts: process.Mounts.Select(ToSandbox).ToList())
        {
            SyscallFilter = process.Insecure ? null : Linux.Seccomp.SeccompProfile.DockerDefault,
            Insecure = process.Insecure,
        };
        try
        {
            // The step's big files go to the disk as they grow: the flush that commits them has less left.
            using var writeback = EarlyWriteback.Start(root.UpperDir);
            var result = await sandbox.RunAsync(spec, stdout, stderr, cancellationToken);
            return new StepExit(result.ExitCode, result.Signal, result.OomKilled);
        }
        catch (SandboxException e)
        {
            throw new StepSetupException(e.Message, e);
        }
    }

    /// <summary>
    /// Compiles the syscall filter and starts the private network in the background, at once
    /// (each ~10–25 ms the first time, one after the other in the first step otherwise); not
    /// outside a rootless user namespace: that process enters it first.
    /// </summary>
    public void Anticipate(NetworkMode mode)
    {
        if (HostMode.Current.Pending)
        {
            return;
        }

        sandbox.Anticipate();
        if (mode == NetworkMode.Private)
        {
            // The outcome (a running network, or the failure every later step gets) is the shared
            // network's to keep. Started on a pool thread: making the namespace is synchronous work
            // (~4 ms) that the step anticipating it should not wait for.
            _ = Task.Run(() => network.GetAsync(CancellationToken.None)).ContinueWith(
                t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    public ValueTask DisposeAsync() => network.DisposeAsync();

    private async Task<SandboxNetwork> NetworkAsync(NetworkMode mode, CancellationToken cancellationToken)
    {
        using var phase = BuildTrace.Phase("network").Arg("mode", mode.ToString().ToLowerInvariant());
        try
        {
            return mode switch
            {
                NetworkMode.Host => SandboxNetwork.Host,
                NetworkMode.None => SandboxNetwork.None,
                _ => SandboxNetwork.Join(await network.GetAsync(cancellationToken)),
            };
        }
        catch (NetworkUnavailableException e)
        {
            throw new StepSetupException(e.Message, e) { Reason = StepSetupFailure.Network, Hint = e.Hint };
        }
    }

    private static SandboxMount ToSandbox(StepMount mount) => mount switch
    {
        StepBindMount bind => new BindMount(bind.Target, bind.Root, bind.SubPath, bind.ReadOnly),
        StepLayersMount layers => new LayersMount(layers.Target, layers.LowerDirs, layers.SubPath, layers.ReadOnly),
        StepTmpfsMount tmpfs => new TmpfsMount(tmpfs.Target, tmpfs.SizeBytes),
        StepContentMount content => new ContentMount(content.Target, content.Content, content.Mode, content.Uid, content.Gid, content.Executable),
        _ => throw new ArgumentException($"unknown mount {mount.GetType().Name}", nameof(mount)),
    };
}
