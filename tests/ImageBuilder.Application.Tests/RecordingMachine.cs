using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Store;
using ImageBuilder.Linux;
using ImageBuilder.Linux.Mounts;
using ImageBuilder.Linux.Rootless;
using ImageBuilder.Linux.Sandbox;

namespace ImageBuilder.Application.Tests;

/// <summary>The real file tree reader and writer; containers recorded (with what their scratch held) instead of run; no engine, no mounts.</summary>
internal sealed class RecordingMachine : IMachine
{
    private readonly LinuxMachine real = new();

    public HostMode Mode => real.Mode;

    public HostFacts ReadFacts() => real.ReadFacts();

    public IFileTreeReader TreeReader => real.TreeReader;

    public IFileTreeWriter TreeWriter => real.TreeWriter;

    public void SyncDirectory(string directory) => real.SyncDirectory(directory);

    public void SpreadTrees(string directory)
    {
        SpreadDirectories.Add(directory);
        real.SpreadTrees(directory);
    }

    /// <summary>The directories <see cref="SpreadTrees"/> was asked to mark.</summary>
    public List<string> SpreadDirectories { get; } = [];

    public List<SandboxSpec> Containers { get; } = [];

    /// <summary>Whether the upper and work dirs existed while the container "ran".</summary>
    public List<bool> ScratchReady { get; } = [];

    public int CgroupCleanUps { get; private set; }

    public BuildEngine CreateEngine(ContentStore store, IBuildProgress progress) => throw new NotSupportedException("no builds here");

    public Task<SandboxResult> RunContainerAsync(SandboxSpec spec, Stream stdout, Stream stderr, CancellationToken cancellationToken)
    {
        Containers.Add(spec);
        ScratchReady.Add(Directory.Exists(spec.UpperDir) && Directory.Exists(spec.WorkDir));
        return Task.FromResult(new SandboxResult(7, null));
    }

    public Task<MountedRoot> MountRootAsync(IReadOnlyList<string> lowerDirs, string emptyDir) => throw new NotSupportedException("no mounts here");

    public string? WhyLimitsUnavailable() => null;

    /// <summary>Programs of these platforms cannot run (a machine without their emulator).</summary>
    public HashSet<string> Unrunnable { get; } = [];

    public (string Reason, string Hint)? WhyCannotRun(Core.Oci.Platform platform) =>
        Unrunnable.Contains(platform.ToString()) ? ($"no emulator for {platform}", "install one") : null;

    public void RemoveStaleCgroups() => CgroupCleanUps++;
}
