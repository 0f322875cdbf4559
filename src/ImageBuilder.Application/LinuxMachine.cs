using ImageBuilder.Build.Engine;
using ImageBuilder.Build.Machine;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Store;
using ImageBuilder.Linux;
using ImageBuilder.Linux.Cgroups;
using ImageBuilder.Linux.Layers;
using ImageBuilder.Linux.Mounts;
using ImageBuilder.Linux.Rootless;
using ImageBuilder.Linux.Sandbox;

namespace ImageBuilder.Application;

/// <summary>
/// The real machine: the one place the application layer constructs Linux types (the file tree
/// reader and writer, the step runner, the sandbox, overlay mounts, cgroup clean-up). The engine
/// and its step runner are made here and nowhere else.
/// </summary>
public sealed class LinuxMachine(SandboxOptions? sandboxOptions = null) : IMachine
{
    public HostMode Mode => HostMode.Current;

    public HostFacts ReadFacts() => HostFacts.Read(Mode);

    public IFileTreeReader TreeReader { get; } = new FileTreeReader();

    public IFileTreeWriter TreeWriter { get; } = new FileTreeWriter();

    public void SyncDirectory(string directory) => DurableTree.SyncDirectory(directory);

    public void SpreadTrees(string directory) => ScratchPlacement.SpreadTrees(directory);

    public BuildEngine CreateEngine(ContentStore store, IBuildProgress progress) =>
        new(store, LinuxBuildMachine.Create(store, Options), progress);

    public Task<SandboxResult> RunContainerAsync(SandboxSpec spec, Stream stdout, Stream stderr, CancellationToken cancellationToken) =>
        new Sandbox(Options).RunAsync(spec, stdout, stderr, cancellationToken);

    public Task<MountedRoot> MountRootAsync(IReadOnlyList<string> lowerDirs, string emptyDir) => MountedRoot.MountAsync(lowerDirs, emptyDir);

    public string? WhyLimitsUnavailable() => CgroupScope.WhyLimitsUnavailable();

    public (string Reason, string Hint)? WhyCannotRun(Core.Oci.Platform platform) => Linux.Emulation.BinfmtMisc.WhyCannotRun(platform);

    /// <summary>Rootless on cgroup v1 no cgroup of ibuild's can exist (nor may this user remove root's).</summary>
    public void RemoveStaleCgroups()
    {
        if (WhyLimitsUnavailable() is null)
        {
            CgroupScope.RemoveStale();
        }
    }

    /// <summary>Found when a step or container first needs it: commands that run nothing work without ibuild-init.</summary>
    private SandboxOptions Options => sandboxOptions ?? SandboxOptions.ForCurrentProgram();
}
