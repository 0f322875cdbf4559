using System.ComponentModel;
using System.Diagnostics;
using ImageBuilder.Build.Engine;
using ImageBuilder.Planning;

namespace ImageBuilder.Build.Machine;

/// <summary>
/// One run of Debian's git, as BuildKit runs it: no system or user configuration (HOME and
/// GIT_CONFIG_GLOBAL are /dev/null; ssh without the user's keys or known hosts), never a prompt, C locale, submodules may not use file://
/// remotes (<c>protocol.file.allow=user</c>), the proxies of ibuild's environment. Credentials
/// go in through GIT_CONFIG_* variables, never on the command line (which any user can read in
/// /proc); messages have any user:password in a URL removed.
/// </summary>
internal static class GitCommand
{
    private static readonly string[] Proxies =
        ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "no_proxy", "all_proxy"];

    /// <summary>Runs <c>git ARGS</c>; returns its standard output.</summary>
    /// <exception cref="GitCommandException">git exited with a non-zero code (its standard error is in the message).</exception>
    /// <exception cref="GitSourceException">git is not installed.</exception>
    public static async Task<string> RunAsync(GitAccess access, string? remote, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("git")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        SetEnvironment(start.Environment, access, remote);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new GitSourceException("git did not start");
        }
        catch (Win32Exception e)
        {
            throw new GitSourceException($"git could not be run ({e.Message}); ADD of a git repository needs it: install Debian's git", e);
        }

        using (process)
        {
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            if (process.ExitCode != 0)
            {
                var said = (await error).Trim();
                var command = string.Join(' ', args.Where(a => !a.StartsWith("--git-dir=", StringComparison.Ordinal) && !a.StartsWith("--work-tree=", StringComparison.Ordinal)));
                throw new GitCommandException(GitReference.Redact($"git {command}: {(said.Length > 0 ? said : "failed")}"), GitReference.Redact(said));
            }

            return await output;
        }
    }


    private static void SetEnvironment(IDictionary<string, string?> environment, GitAccess access, string? remote)
    {
        var path = environment.TryGetValue("PATH", out var found) ? found : null;
        environment.Clear();
        environment["PATH"] = path ?? "/usr/local/bin:/usr/bin:/bin";
        environment["GIT_TERMINAL_PROMPT"] = "0";
        environment["LC_ALL"] = "C";
        environment["GIT_CONFIG_NOSYSTEM"] = "1";
        environment["HOME"] = "/dev/null";
        environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        // No user's keys, known hosts or prompts: ssh finds ~ through getpwuid, not $HOME, so
        // ibuild's own user's ~/.ssh would otherwise sign in and be written; only the --ssh agent is offered.
        environment["GIT_SSH_COMMAND"] = "ssh -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
            + "-o GlobalKnownHostsFile=/dev/null -o IdentityFile=none -o BatchMode=yes";
        foreach (var name in Proxies)
        {
            if (Environment.GetEnvironmentVariable(name) is { } value)
            {
                environment[name] = value;
            }
        }

        if (access.SshAuthSocket is { } socket)
        {
            environment["SSH_AUTH_SOCK"] = socket;
        }

        var config = new List<(string Key, string Value)> { ("protocol.file.allow", "user") };
        if (access.Authorization is { } authorization && remote is not null)
        {
            config.Add(($"http.{TokenScope(remote)}.extraheader", "Authorization: " + authorization));
        }

        environment["GIT_CONFIG_COUNT"] = config.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < config.Count; i++)
        {
            environment[$"GIT_CONFIG_KEY_{i}"] = config[i].Key;
            environment[$"GIT_CONFIG_VALUE_{i}"] = config[i].Value;
        }
    }

    /// <summary>The URLs a credential is sent to: the remote's own, or (as BuildKit and actions/checkout) all of github.com.</summary>
    private static string TokenScope(string remote) =>
        new[] { "https://github.com/", "https://www.github.com/" }.FirstOrDefault(p => remote.StartsWith(p, StringComparison.Ordinal)) ?? remote;
}

/// <summary>git exited with a non-zero code.</summary>
internal sealed class GitCommandException(string message, string error) : Exception(message)
{
    /// <summary>What git wrote to standard error.</summary>
    public string Error { get; } = error;
}
