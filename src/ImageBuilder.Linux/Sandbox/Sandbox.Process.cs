namespace ImageBuilder.Linux.Sandbox;

// What the step gets besides its root: the generated /etc files, its environment defaults,
// the paths execve tries and an absolute working directory.
public sealed partial class Sandbox
{
    private static void WriteGeneratedFiles(string directory, SandboxSpec spec)
    {
        File.WriteAllText(Path.Combine(directory, "hostname"), spec.Hostname + "\n");
        File.WriteAllText(
            Path.Combine(directory, "hosts"),
            $"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t{spec.Hostname}\n");
        string resolv;
        try
        {
            resolv = spec.IsolateNetwork ? "" : File.ReadAllText("/etc/resolv.conf");
        }
        catch (IOException)
        {
            resolv = "";
        }

        File.WriteAllText(Path.Combine(directory, "resolv.conf"), resolv);
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
