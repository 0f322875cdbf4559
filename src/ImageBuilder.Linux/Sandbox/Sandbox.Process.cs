namespace ImageBuilder.Linux.Sandbox;

// What the step gets besides its root: the generated /etc files, its environment defaults,
// the paths execve tries and an absolute working directory.
public sealed partial class Sandbox
{
    /// <summary>
    /// /etc/hostname, /etc/hosts and /etc/resolv.conf for the step: with a private network, the
    /// stack's DNS forwarder (<paramref name="nameserver"/>) and the host's search and options lines;
    /// with the host's network, the host's file; with none, an empty one.
    /// </summary>
    private static void WriteGeneratedFiles(string directory, SandboxSpec spec, string? nameserver)
    {
        File.WriteAllText(Path.Combine(directory, "hostname"), spec.Hostname + "\n");
        File.WriteAllText(
            Path.Combine(directory, "hosts"),
            $"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t{spec.Hostname}\n");
        var resolv = spec.Network == SandboxNetwork.None ? "" : HostResolvConf();
        if (nameserver is not null)
        {
            resolv = ResolvConfFor(nameserver, resolv);
        }

        File.WriteAllText(Path.Combine(directory, "resolv.conf"), resolv);
    }

    /// <summary>The host's /etc/resolv.conf, or nothing when it cannot be read.</summary>
    private static string HostResolvConf()
    {
        try
        {
            return File.ReadAllText("/etc/resolv.conf");
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>
    /// A resolv.conf naming only <paramref name="nameserver"/>, keeping the host's search domains
    /// and options (as docker does for its bridge): the host's own nameservers may be loopback
    /// addresses, which mean nothing in the step's namespace; the stack forwards to them.
    /// </summary>
    internal static string ResolvConfFor(string nameserver, string hostResolvConf)
    {
        var kept = hostResolvConf.Split('\n').Select(l => l.Trim())
            .Where(l => l.Split([' ', '\t'], 2)[0] is "search" or "domain" or "options");
        return string.Concat(kept.Prepend($"nameserver {nameserver}").Select(l => l + "\n"));
    }

    /// <summary>The step's environment: PATH when missing, HOME from the user's entry when missing.</summary>
    internal static IReadOnlyList<string> WithDefaults(IReadOnlyList<string> env, ResolvedUser user)
    {
        var result = env.ToList();
        if (!result.Any(e => e.StartsWith("PATH=", StringComparison.Ordinal)))
        {
            result.Add("PATH=" + DefaultPath);
        }

        if (!result.Any(e => e.StartsWith("HOME=", StringComparison.Ordinal)))
        {
            result.Add("HOME=" + user.Home);
        }

        return result;
    }

    /// <summary>The paths execve tries: argv[0] itself when it has a '/', else each PATH entry in turn.</summary>
    internal static IReadOnlyList<string> Candidates(string command, IReadOnlyList<string> env)
    {
        if (command.Contains('/'))
        {
            return [command];
        }

        var path = env.LastOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?[5..] ?? DefaultPath;
        return [.. path.Split(':').Select(dir => (dir.Length == 0 ? "." : dir.TrimEnd('/')) + "/" + command)];
    }

    private static string AbsoluteWorkingDirectory(string directory) =>
        string.IsNullOrEmpty(directory) ? "/" : directory.StartsWith('/') ? directory : "/" + directory;
}
