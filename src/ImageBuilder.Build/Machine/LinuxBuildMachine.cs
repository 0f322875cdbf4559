using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Store;
using ImageBuilder.Linux.Mounts;
using ImageBuilder.Linux.Rootless;
using ImageBuilder.Linux.Sandbox;

namespace ImageBuilder.Build.Machine;

/// <summary>The machine builds run on: Linux's sandbox, overlay file work and layer packing.</summary>
public static class LinuxBuildMachine
{
    public static BuildMachine Create(ContentStore store, SandboxOptions sandbox)
    {
        // Not outside a rootless user namespace: that process enters it before any step.
        if (!HostMode.Current.Pending)
        {
            ProcessSupport.WarmUp();
        }

        return new(new LinuxStepRunner(sandbox with { SyscallFilterCache = store.SyscallFilterCachePath }), new LinuxFileWork(), new LinuxLayerCommitter(store), GitCli.Instance, OverlayLimits.MaxLowerLayers);
    }
}
