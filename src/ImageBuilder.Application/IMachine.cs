using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Store;
using ImageBuilder.Linux;
using ImageBuilder.Linux.Mounts;
using ImageBuilder.Linux.Rootless;
using ImageBuilder.Linux.Sandbox;

namespace ImageBuilder.Application;

/// <summary>
/// The machine under the services: file trees written and read with Linux's file types and
/// attributes, RUN steps and containers in the sandbox, overlay roots, cgroups. The services
/// ask for these here and never construct Linux types themselves; <see cref="LinuxMachine"/>
/// is the real one, wired once in <see cref="ApplicationServices.ForThisMachine"/>.
/// </summary>
public interface IMachine
{
    /// <summary>Root or rootless, and the user namespace's id maps.</summary>
    HostMode Mode { get; }

    /// <summary>What the machine offers ibuild (kernel, cgroups, overlayfs, subordinate ids), for <c>ibuild info</c>.</summary>
    HostFacts ReadFacts();

    /// <summary>Reads a directory tree into layer entries (packing, fsck).</summary>
    IFileTreeReader TreeReader { get; }

    /// <summary>Writes layer entries into a directory tree (unpacking a pulled, loaded or exported layer).</summary>
    IFileTreeWriter TreeWriter { get; }

    /// <summary>fsync of a directory: what was renamed into it survives a crash (the store's renames).</summary>
    void SyncDirectory(string directory);

    /// <summary>Asks the file system to place each tree made in the store's scratch <paramref name="directory"/> on its own (ext4: FS_TOPDIR_FL).</summary>
    void SpreadTrees(string directory);

    /// <summary>The build engine over <paramref name="store"/>, running steps on this machine.</summary>
    BuildEngine CreateEngine(ContentStore store, IBuildProgress progress);

    /// <summary>Runs a container (<c>ibuild run</c>) in the sandbox until it exits or is cancelled.</summary>
    /// <exception cref="SandboxException">The sandbox could not be set up.</exception>
    /// <exception cref="Linux.Network.NetworkUnavailableException">The container's private network could not be started.</exception>
    Task<SandboxResult> RunContainerAsync(SandboxSpec spec, Stream stdout, Stream stderr, CancellationToken cancellationToken);

    /// <summary>Mounts the read-only union of <paramref name="lowerDirs"/> (topmost first) on <paramref name="emptyDir"/>; unmounted on dispose.</summary>
    Task<MountedRoot> MountRootAsync(IReadOnlyList<string> lowerDirs, string emptyDir);

    /// <summary>Why steps and containers cannot get resource limits here (rootless on cgroup v1, say), or null when they can.</summary>
    string? WhyLimitsUnavailable();

    /// <summary>Why programs of <paramref name="platform"/> cannot run here (another architecture, no emulator registered), with what to do; null when they can.</summary>
    (string Reason, string Hint)? WhyCannotRun(Core.Oci.Platform platform);

    /// <summary>Removes the cgroups of ibuild processes that were killed.</summary>
    void RemoveStaleCgroups();
}
