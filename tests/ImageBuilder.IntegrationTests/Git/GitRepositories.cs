using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Git;

/// <summary>
/// Bare repositories made with the real git under one directory (served by <see cref="GitDaemon"/>
/// and <see cref="GitHttpServer"/>), each from files written into a work tree and committed with
/// a fixed author and date.
/// </summary>
internal sealed class GitRepositories : IDisposable
{
    private readonly TempDirectory dir = new("ibuild-it-git-");

    public string Root => Directory.CreateDirectory(dir.Combine("srv")).FullName;

    public void Dispose() => dir.Dispose();

    /// <summary>A work tree for <paramref name="name"/> (made on first use) whose pushes go to the bare <c>NAME.git</c>.</summary>
    public string WorkTree(string name)
    {
        var work = dir.Combine("work-" + name);
        if (!Directory.Exists(work))
        {
            Git(null, "init", "-q", "-b", "main", work);
            Git(null, "init", "-q", "--bare", "-b", "main", Path.Combine(Root, name + ".git"));
        }

        return work;
    }

    /// <summary>Writes <paramref name="files"/> into the work tree, commits them at <paramref name="date"/> and pushes main; returns the commit id.</summary>
    public string Commit(string name, IReadOnlyDictionary<string, string> files, string date = "2001-02-03T04:05:06Z")
    {
        var work = WorkTree(name);
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(work, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }

        Git(work, "add", "-A");
        Git(work, ["commit", "-q", "-m", "commit at " + date], ("GIT_AUTHOR_DATE", date), ("GIT_COMMITTER_DATE", date));
        Push(name);
        return Git(work, "rev-parse", "HEAD").Trim();
    }

    /// <summary>Pushes the work tree's main and tags to the bare repository.</summary>
    public void Push(string name) => Git(WorkTree(name), "push", "-q", "--force", "--tags", Path.Combine(Root, name + ".git"), "main");

    /// <summary>Runs git in <paramref name="directory"/> with a fixed identity and no user configuration; returns its output.</summary>
    public static string Git(string? directory, params string[] args) => Git(directory, args, []);

    public static string Git(string? directory, string[] args, params (string Name, string Value)[] environment)
    {
        var info = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory ?? "/" };
        foreach (var arg in (string[])["-c", "user.name=ibuild tests", "-c", "user.email=tests@ibuild.invalid", "-c", "protocol.file.allow=always", .. args])
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["HOME"] = "/dev/null";
        info.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', args)} failed: {error}");
        return output.Result;
    }

    /// <summary>A port on 127.0.0.1 nobody listens on now.</summary>
    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
