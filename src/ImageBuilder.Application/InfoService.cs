using ImageBuilder.Core.Store;
using ImageBuilder.Linux;
using ImageBuilder.Linux.Rootless;

namespace ImageBuilder.Application;

/// <summary>What <c>ibuild info</c> reports: how ibuild runs here and what the machine offers it.</summary>
public sealed record SystemInfo(HostMode Mode, string UserName, string StorePath, HostFacts Facts);

/// <summary><c>ibuild info</c>: gathers the facts a bug report needs, without opening (creating) the store.</summary>
public sealed class InfoService(IMachine machine)
{
    public SystemInfo Gather(string? root)
    {
        var mode = machine.Mode;
        var facts = machine.ReadFacts();
        return new SystemInfo(mode, mode.OutsideUserName, Path.GetFullPath(ContentStore.DefaultRoot(root, mode.Rootless)), facts);
    }
}
