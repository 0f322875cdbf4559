using System.Globalization;
using ImageBuilder.Application;
using ImageBuilder.Linux.Rootless;

namespace ImageBuilder.Cli.Commands;

/// <summary><c>ibuild info</c>: how ibuild runs here (root or rootless, store, id maps) and what the machine offers it.</summary>
internal sealed class InfoCommand(InfoService info, TextWriter stdout)
{
    public const string Help = """
        Usage: ibuild info [--root DIR]

        Prints how ibuild runs on this machine — root or rootless, the store, the user
        namespace's id maps, the subordinate ids, the network stack, cgroups and whether resource limits work,
        the kernel features ibuild uses — for a bug report. Changes nothing.
        """;

    public async Task<int> RunAsync(string[] args)
    {
        var reader = new ArgumentReader("info");
        if (!reader.Read(args, maxPositionals: 0))
        {
            await stdout.WriteLineAsync(Help);
            return CommandLineApp.Success;
        }

        var report = info.Gather(reader.Root);
        foreach (var (label, value) in Lines(report))
        {
            await stdout.WriteLineAsync($"{label + ":",-18}{value}");
        }

        return CommandLineApp.Success;
    }

    private static IEnumerable<(string Label, string Value)> Lines(SystemInfo report)
    {
        var mode = report.Mode;
        var facts = report.Facts;
        yield return ("version", $"ibuild {typeof(InfoCommand).Assembly.GetName().Version}");
        yield return ("mode", mode.Rootless
            ? $"rootless (user {report.UserName}, uid {mode.OutsideUid}, root in a user namespace of its own)"
            : mode.OutsideUid != 0 ? $"ordinary user (uid {mode.OutsideUid}) outside a user namespace (the ibuild program enters one itself)"
            : mode.InUserNamespace ? "root in a user namespace (a container?)" : "root");
        yield return ("store", report.StorePath);
        yield return ("uid map", mode.Users.ToString());
        yield return ("gid map", mode.Groups.ToString());
        if (mode.Rootless)
        {
            yield return ("subordinate ids", facts.SubordinateUids.Count == 0 || facts.SubordinateGids.Count == 0
                ? $"none for {report.UserName} in {SubordinateIds.UsersFile}/{SubordinateIds.GroupsFile}: only your own id is mapped"
                : $"uids {Ranges(facts.SubordinateUids)}, gids {Ranges(facts.SubordinateGids)}");
        }

        yield return ("network", facts.NetworkStack is null
            ? "slirp4netns missing (Debian package slirp4netns): --network default fails, host and none work"
            : $"default: a private namespace per build through {facts.NetworkStack} (host loopback unreachable)"
                + (facts.TunDeviceUsable ? "" : "; /dev/net/tun is missing or not readable and writable (slirp4netns needs it: mode 0666, modprobe tun)"));
        yield return ("cgroups", facts.CgroupLayout);
        yield return ("resource limits", facts.LimitsUnavailable is { } why ? $"unavailable: {why}" : "available (--memory, --pids-limit, --cpus)");
        yield return ("kernel", facts.KernelRelease);
        yield return ("overlayfs", !facts.Overlay
            ? "missing (no overlay in /proc/filesystems: modprobe overlay)"
            : $"yes; lowerdir+ {(facts.OverlayLowerDirPlus ? "yes (up to 500 layers)" : "no (Linux < 6.8: layers limited by the option string)")}; "
                + $"whiteout and opaque marks in {mode.OverlayAttributePrefix}*");
        // Inside the namespace the limit read is that namespace's own; the host's matters as root.
        yield return ("user namespaces", mode.Rootless
            ? "in use (ibuild runs in one)"
            : facts.MaxUserNamespaces < 0 ? "unknown" : $"at most {facts.MaxUserNamespaces.ToString(CultureInfo.InvariantCulture)} per user (/proc/sys/user/max_user_namespaces; 0 disables rootless ibuild)");
    }

    private static string Ranges(IReadOnlyList<SubordinateRange> ranges) =>
        string.Join(", ", ranges.Select(r => $"{r.Start}-{r.Start + r.Count - 1}"));
}
