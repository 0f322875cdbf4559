using System.Diagnostics;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary>
/// What the ssh mount tests use: ed25519 keys made by ssh-keygen, the user's own agent (OpenSSH's
/// ssh-agent on a socket of the test's), and testdata/ssh/agent-probe.c built static into a build
/// context, to talk to the agent from inside a busybox step as ssh does.
/// </summary>
internal sealed class SshAgentKit : IDisposable
{
    /// <summary>What the probe prints for an agent holding one key named COMMENT that lists and signs and refuses the rest.</summary>
    public static string ReadOnlyAnswers(string comment) => $"keys 1\nkey {comment}\nsign 14\nremove-all 5\nlock 5\nremove 5\nadd 5\nextension 5\n";

    private readonly TempDirectory dir = new("ibuild-it-ssh-");
    private Process? agent;

    public void Dispose()
    {
        agent?.Kill(entireProcessTree: true);
        agent?.Dispose();
        dir.Dispose();
    }

    public static async Task BuildProbeAsync(string context) =>
        (await Tools.Run("gcc", "-static", "-O1", "-o", Path.Combine(context, "probe"), RepoPaths.TestData("ssh", "agent-probe.c"))).Ok();

    public async Task<string> KeyAsync(string comment, string passphrase = "")
    {
        var path = dir.Combine(comment);
        (await Tools.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", comment, "-f", path)).Ok();
        return path;
    }

    /// <summary>Starts the user's agent holding <paramref name="key"/>; returns its socket.</summary>
    public async Task<string> UserAgentAsync(string key)
    {
        var socket = dir.Combine("user-agent.sock");
        agent = Process.Start(new ProcessStartInfo("ssh-agent", ["-D", "-a", socket]) { RedirectStandardOutput = true })!;
        await agent.StandardOutput.ReadLineAsync();
        (await Tools.Run("ssh-add", ["-q", key], new Dictionary<string, string> { ["SSH_AUTH_SOCK"] = socket })).Ok();
        return socket;
    }

    /// <summary><c>ssh-add -l</c> against the user's agent: its standard output (a locked agent lists nothing).</summary>
    public static async Task<string> ListAsync(string socket) =>
        (await Tools.Run("ssh-add", ["-l"], new Dictionary<string, string> { ["SSH_AUTH_SOCK"] = socket })).Stdout;
}
