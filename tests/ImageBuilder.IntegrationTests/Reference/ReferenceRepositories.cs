using ImageBuilder.IntegrationTests.Git;

namespace ImageBuilder.IntegrationTests.Reference;

/// <summary>
/// The git repositories of the reference cases (a case's <c>git/NAME/</c> folder becomes the
/// repository NAME.git, committed at a fixed date, tagged <c>v1</c> and, annotated, <c>v2</c>),
/// served by one git daemon on 127.0.0.1 for the whole test run; both builders get its address as
/// the build arg GIT_REMOTE. Stopped when the test process exits.
/// </summary>
internal static class ReferenceRepositories
{
    private static readonly Lazy<(GitRepositories Repositories, GitDaemon Daemon)> Served = new(Start);

    /// <summary>git://127.0.0.1:PORT, with <paramref name="testCase"/>'s repositories in it.</summary>
    public static string RemoteFor(ReferenceCase testCase)
    {
        var (repositories, daemon) = Served.Value;
        lock (repositories)
        {
            foreach (var folder in Directory.GetDirectories(Path.Combine(testCase.Folder, "git")))
            {
                var name = Path.GetFileName(folder);
                if (!Directory.Exists(Path.Combine(repositories.Root, name + ".git")))
                {
                    Publish(repositories, name, folder);
                }
            }
        }

        return $"git://127.0.0.1:{daemon.Port}";
    }

    private static void Publish(GitRepositories repositories, string name, string folder)
    {
        var work = repositories.WorkTree(name);
        using (var copy = System.Diagnostics.Process.Start("cp", ["-a", folder + "/.", work]))
        {
            copy.WaitForExit();
            Assert.Equal(0, copy.ExitCode);
        }

        var commit = repositories.Commit(name, new Dictionary<string, string>());
        GitRepositories.Git(work, "tag", "v1", commit);
        GitRepositories.Git(work, "tag", "-a", "v2", "-m", "annotated", commit);
        repositories.Push(name);
    }

    private static (GitRepositories, GitDaemon) Start()
    {
        var repositories = new GitRepositories();
        var daemon = new GitDaemon(repositories);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            daemon.Dispose();
            repositories.Dispose();
        };
        return (repositories, daemon);
    }
}
