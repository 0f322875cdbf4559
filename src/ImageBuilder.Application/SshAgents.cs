using System.Diagnostics;
using ImageBuilder.Core.Store;
using ImageBuilder.Linux.Native;

namespace ImageBuilder.Application;

/// <summary>
/// One <c>--ssh ID=PATH[,PATH…]</c>: an agent's socket, or private key files (as buildx takes
/// them); the command line puts <c>$SSH_AUTH_SOCK</c> in for <c>--ssh default</c>.
/// </summary>
public sealed record SshAgentSpec(string Id, IReadOnlyList<string> Paths);

/// <summary>
/// The build's ssh agents by id: a socket given is used as it is; key files are loaded into an
/// agent of the build's own — OpenSSH's <c>ssh-agent</c> on a socket in the store's scratch, each
/// key added with <c>ssh-add -</c> from standard input (never copied to disk; a key with a
/// passphrase is refused, nothing prompts). Disposing stops those agents and removes their sockets.
/// </summary>
public sealed class SshAgents : IDisposable
{
    private readonly List<(Process Agent, string Directory)> started = [];

    private SshAgents()
    {
    }

    /// <summary>Each id's socket path.</summary>
    public Dictionary<string, string> Sockets { get; } = new(StringComparer.Ordinal);

    /// <exception cref="SshAgentException">A path is neither a socket nor a key ssh-add accepts, or ssh-agent cannot run.</exception>
    public static async Task<SshAgents> StartAsync(IReadOnlyList<SshAgentSpec> specs, ContentStore store, CancellationToken cancellationToken)
    {
        var agents = new SshAgents();
        try
        {
            foreach (var spec in specs)
            {
                agents.Sockets[spec.Id] = spec.Paths is [var only] && Syscalls.IsSocket(only)
                    ? only
                    : await agents.StartAgentAsync(spec, store, cancellationToken);
            }

            return agents;
        }
        catch
        {
            agents.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var (agent, directory) in started)
        {
            try
            {
                agent.Kill(entireProcessTree: true);
                agent.WaitForExit();
            }
            catch (InvalidOperationException)
            {
                // It had already exited.
            }

            agent.Dispose();
            Directory.Delete(directory, recursive: true);
        }

        started.Clear();
    }

    private async Task<string> StartAgentAsync(SshAgentSpec spec, ContentStore store, CancellationToken cancellationToken)
    {
        var keys = new List<(string Path, byte[] Key)>();
        foreach (var path in spec.Paths)
        {
            try
            {
                keys.Add((path, await File.ReadAllBytesAsync(path, cancellationToken)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SshAgentException($"--ssh {spec.Id}: {path} is neither an agent's socket nor a readable key file ({e.Message})");
            }
        }

        var directory = store.CreateScratchDirectory();
        var socket = Path.Combine(directory, "agent.sock");
        Process agent;
        try
        {
            // Under a shell that stops it when ibuild's end of its standard input closes: also when
            // ibuild is killed and cannot dispose anything.
            agent = Process.Start(Info("sh", ["-c", "ssh-agent -D -a \"$1\" & agent=$!; read -r _; kill $agent; wait", "sh", socket], socket))
                ?? throw new SshAgentException("ssh-agent did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Directory.Delete(directory, recursive: true);
            throw new SshAgentException($"--ssh {spec.Id}: ssh-agent could not be run ({e.Message})");
        }

        started.Add((agent, directory));
        await WaitForSocketAsync(agent, socket, cancellationToken);
        foreach (var (path, key) in keys)
        {
            await AddKeyAsync(spec.Id, path, key, socket, cancellationToken);
        }

        return socket;
    }

    private static async Task WaitForSocketAsync(Process agent, string socket, CancellationToken cancellationToken)
    {
        // ssh-agent -D prints its environment lines once it listens.
        var line = await agent.StandardOutput.ReadLineAsync(cancellationToken);
        if (line is null || !Syscalls.IsSocket(socket))
        {
            agent.StandardInput.Close();
            var said = (await agent.StandardError.ReadToEndAsync(cancellationToken)).Trim();
            throw new SshAgentException(
                $"ssh-agent did not start{(said.Length > 0 ? ": " + said : "")}; key files for --ssh need OpenSSH's ssh-agent (Debian's openssh-client)");
        }
    }

    private static async Task AddKeyAsync(string id, string path, byte[] key, string socket, CancellationToken cancellationToken)
    {
        using var add = Process.Start(Info("ssh-add", ["-q", "-"], socket))!;
        var error = add.StandardError.ReadToEndAsync(cancellationToken);
        await add.StandardInput.BaseStream.WriteAsync(key, cancellationToken);
        add.StandardInput.Close();
        await add.WaitForExitAsync(cancellationToken);
        if (add.ExitCode != 0)
        {
            throw new SshAgentException(
                $"--ssh {id}: {path} is not a private key ssh-add can load without a passphrase ({(await error).Trim()}); "
                + "for a key with a passphrase, add it to your agent and pass --ssh default");
        }
    }

    private static ProcessStartInfo Info(string program, string[] args, string socket)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["SSH_AUTH_SOCK"] = socket;
        info.Environment["SSH_ASKPASS"] = "/bin/false";
        info.Environment["SSH_ASKPASS_REQUIRE"] = "force";
        info.Environment.Remove("DISPLAY");
        return info;
    }
}

/// <summary>An <c>--ssh</c> agent that cannot be given to the build.</summary>
public sealed class SshAgentException(string message) : Exception(message);
