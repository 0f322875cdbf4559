using System.Diagnostics;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Reference;

/// <summary>
/// A dockerd of the tests' own: <c>dockerd --bridge=none --iptables=false</c> with its data
/// root, exec root, pid file and socket in a temp dir, started on first use and stopped on
/// dispose (SIGTERM, then its own containerd goes with it); the temp dir is then unmounted
/// where needed and removed, so nothing is left behind. Never touches a system dockerd.
/// </summary>
internal sealed class DockerDaemon : IDisposable
{
    public const string DockerdPath = "/usr/sbin/dockerd";
    public const string DockerPath = "/usr/bin/docker";

    private readonly TempDirectory dir = new("ibuild-dockerd-");
    private readonly SemaphoreSlim startLock = new(1, 1);
    private Process? daemon;

    private string Socket => dir.Combine("docker.sock");

    /// <summary>Runs the docker client against this daemon, starting it first if needed; BuildKit on.</summary>
    public async Task<Tools.Result> DockerAsync(params string[] args)
    {
        await EnsureStartedAsync();
        return await RunClientAsync(args);
    }

    private async Task EnsureStartedAsync()
    {
        await startLock.WaitAsync();
        try
        {
            if (daemon is not null)
            {
                return;
            }

            var info = new ProcessStartInfo(DockerdPath) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[]
            {
                "--bridge=none", "--iptables=false", "--ip6tables=false",
                "--data-root", dir.Combine("data"), "--exec-root", dir.Combine("exec"),
                "--pidfile", dir.Combine("dockerd.pid"), "-H", $"unix://{Socket}",
            })
            {
                info.ArgumentList.Add(arg);
            }

            daemon = Process.Start(info) ?? throw new InvalidOperationException("cannot start dockerd");
            var log = dir.Combine("dockerd.log");
            _ = CopyToAsync(daemon.StandardOutput, log);
            _ = CopyToAsync(daemon.StandardError, log);

            // Ready when the API answers; no time limit: a daemon that dies fails the test at once.
            while (true)
            {
                Assert.False(daemon.HasExited, $"dockerd exited with {(daemon.HasExited ? daemon.ExitCode : 0)}; see {log}");
                if (File.Exists(Socket) && (await RunClientAsync("version")).ExitCode == 0)
                {
                    return;
                }

                await Task.Delay(100);
            }
        }
        finally
        {
            startLock.Release();
        }
    }

    private static async Task CopyToAsync(StreamReader from, string path)
    {
        string? line;
        while ((line = await from.ReadLineAsync()) is not null)
        {
            lock (from.BaseStream)
            {
                File.AppendAllText(path, line + "\n");
            }
        }
    }

    private Task<Tools.Result> RunClientAsync(string[] args) =>
        Tools.Run(DockerPath, ["--host", $"unix://{Socket}", .. args], new Dictionary<string, string> { ["DOCKER_BUILDKIT"] = "1" });

    private Task<Tools.Result> RunClientAsync(string arg) => RunClientAsync([arg]);

    public void Dispose()
    {
        if (daemon is not null)
        {
            if (!daemon.HasExited)
            {
                Tools.Run("kill", "-TERM", daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)).GetAwaiter().GetResult().Ok();
                daemon.WaitForExit();
            }

            daemon.Dispose();
            UnmountUnder(dir.Path);
        }

        dir.Dispose();
        startLock.Dispose();
    }

    /// <summary>Lazily unmounts anything dockerd left mounted under its temp dir, deepest first.</summary>
    private static void UnmountUnder(string root)
    {
        var mounts = File.ReadAllLines("/proc/self/mountinfo")
            .Select(line => line.Split(' ')[4].Replace("\\040", " ", StringComparison.Ordinal))
            .Where(point => point.StartsWith(root + "/", StringComparison.Ordinal))
            .OrderByDescending(point => point.Length);
        foreach (var point in mounts)
        {
            Tools.Run("umount", "-l", point).GetAwaiter().GetResult();
        }
    }
}
