using System.Diagnostics;

namespace ImageBuilder.IntegrationTests.Git;

/// <summary>The real <c>git daemon</c> serving every repository of a <see cref="GitRepositories"/> on 127.0.0.1 (git://).</summary>
internal sealed class GitDaemon : IDisposable
{
    private readonly Process process;

    public GitDaemon(GitRepositories repositories)
    {
        Port = GitRepositories.FreePort();
        var info = new ProcessStartInfo("git") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1", $"--port={Port}", $"--base-path={repositories.Root}", repositories.Root })
        {
            info.ArgumentList.Add(arg);
        }

        process = Process.Start(info)!;
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        WaitUntilListening();
    }

    public int Port { get; }

    /// <summary>git://127.0.0.1:PORT/NAME.git</summary>
    public string Url(string name) => $"git://127.0.0.1:{Port}/{name}.git";

    public void Dispose()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        process.Dispose();
    }

    private void WaitUntilListening()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient("127.0.0.1", Port);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (attempt < 200 && !process.HasExited)
            {
                Thread.Sleep(50);
            }
        }
    }
}
