using ImageBuilder.Build.Engine;
using ImageBuilder.Linux.Layers;
using ImageBuilder.Planning;

namespace ImageBuilder.Build.Machine;

/// <summary>
/// The real <see cref="IGitSource"/>, after BuildKit's git source: <c>git ls-remote</c> says
/// what the ref points at (a branch before a tag, as git checkout prefers); a checkout fetches
/// that one commit (<c>--depth=1</c>, again without it from a server that cannot serve shallow
/// fetches) into a bare repository of the step's scratch and checks it out beside it, so no .git
/// directory is copied unless <c>keep-git-dir</c> asks for one (then a clone of the bare
/// repository, origin set to the remote without credentials, no FETCH_HEAD, no reflog).
/// </summary>
public sealed class GitCli : IGitSource
{
    public static readonly GitCli Instance = new();

    public async Task<GitRevision> ResolveAsync(GitReference repository, GitAccess access, CancellationToken cancellationToken)
    {
        if (repository.FetchByCommit)
        {
            return new GitRevision(repository.Checksum!, null);
        }

        if (GitReference.IsCommitId(repository.Ref))
        {
            RequireChecksum(repository, repository.Ref!, null);
            return new GitRevision(repository.Ref!, null);
        }

        return await Run(repository, async () =>
        {
            var reference = repository.Ref ?? await DefaultBranchAsync(repository, access, cancellationToken);
            var listing = await GitCommand.RunAsync(access, repository.Remote, ["ls-remote", "--", repository.Remote, reference, reference + "^{}"], cancellationToken);
            return LsRemote.Pick(repository, reference, listing);
        });
    }

    public async Task<string> CheckoutAsync(GitReference repository, GitRevision revision, GitAccess access, string directory, CancellationToken cancellationToken)
    {
        var bare = Path.Combine(directory, "repo.git");
        var tree = Directory.CreateDirectory(Path.Combine(directory, "tree")).FullName;
        return await Run(repository, async () =>
        {
            var git = new GitRun(access, repository.Remote, cancellationToken);
            await git.RunAsync(["init", "-q", "--bare", bare]);
            await git.RunAsync([$"--git-dir={bare}", "remote", "add", "origin", repository.Remote]);
            var fetched = await FetchAsync(git, bare, revision);
            var keepGitDir = repository.KeepGitDir == true && repository.SubDir.Length == 0;
            var gitDir = keepGitDir ? await CloneIntoAsync(git, bare, tree, repository, fetched) : bare;
            if (!keepGitDir)
            {
                await git.RunAsync([$"--git-dir={bare}", $"--work-tree={tree}", "checkout", "-q", "--no-overlay", revision.Commit, "--", "."]);
            }

            if (repository.Submodules && File.Exists(Path.Combine(tree, ".gitmodules")))
            {
                await git.RunAsync([$"--git-dir={gitDir}", $"--work-tree={tree}", "-C", tree, "submodule", "update", "--init", "--recursive", "--depth=1"]);
            }

            if (repository.CommitTime)
            {
                var seconds = (await git.RunAsync([$"--git-dir={gitDir}", "log", "-1", "--format=%ct", revision.Commit + "^{commit}"])).Trim();
                TreeTimes.Set(tree, DateTimeOffset.FromUnixTimeSeconds(long.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture)));
            }

            return SubDirectory(tree, repository.SubDir);
        });
    }

    /// <summary>Fetches the revision into the bare repository (under its own ref); returns the ref it is stored as.</summary>
    private static async Task<string> FetchAsync(GitRun git, string bare, GitRevision revision)
    {
        var local = revision.Ref ?? "refs/ibuild/checkout";
        var source = revision.Ref ?? revision.Commit;
        try
        {
            await git.FetchAsync([$"--git-dir={bare}", "fetch", "-q", "--no-tags", "--depth=1", "--", "origin", $"+{source}:{local}"]);
        }
        catch (GitCommandException) when (revision.Ref is null)
        {
            // A server that serves only what its refs point at: fetch them all, then look for the commit.
            await git.RunAsync([$"--git-dir={bare}", "fetch", "-q", "--", "origin", "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"]);
            await git.RunAsync([$"--git-dir={bare}", "update-ref", local, revision.Commit]);
        }

        var got = (await git.RunAsync([$"--git-dir={bare}", "rev-parse", local])).Trim();
        if (got != revision.Commit)
        {
            throw new GitSourceException($"{revision.Ref} moved from {revision.Commit} to {got} while it was fetched; build again");
        }

        return local;
    }

    /// <summary>keep-git-dir: a repository in the checkout itself, holding the one commit, as BuildKit leaves it.</summary>
    private static async Task<string> CloneIntoAsync(GitRun git, string bare, string tree, GitReference repository, string fetched)
    {
        var gitDir = Path.Combine(tree, ".git");
        string[] at = [$"--git-dir={gitDir}", $"--work-tree={tree}"];
        await git.RunAsync([.. at, "-c", "init.defaultBranch=master", "init", "-q"]);
        await git.RunAsync([.. at, "remote", "add", "origin", "file://" + bare]);
        var refspec = fetched.StartsWith("refs/ibuild/", StringComparison.Ordinal) ? fetched : $"{fetched}:{fetched}";
        await git.FetchAsync([.. at, "fetch", "-q", "-u", "--depth=1", "--", "origin", refspec]);
        await git.RunAsync([.. at, "-c", "advice.detachedHead=false", "checkout", "-q", "FETCH_HEAD"]);
        await git.RunAsync([.. at, "remote", "set-url", "origin", GitReference.Redact(repository.Remote)]);
        await git.RunAsync([.. at, "reflog", "expire", "--all", "--expire=now"]);
        File.Delete(Path.Combine(gitDir, "FETCH_HEAD"));
        return gitDir;
    }

    private static async Task<string> DefaultBranchAsync(GitReference repository, GitAccess access, CancellationToken cancellationToken)
    {
        var listing = await GitCommand.RunAsync(access, repository.Remote, ["ls-remote", "--symref", "--", repository.Remote, "HEAD"], cancellationToken);
        foreach (var line in listing.Split('\n'))
        {
            if (line.StartsWith("ref: ", StringComparison.Ordinal) && line.EndsWith("\tHEAD", StringComparison.Ordinal))
            {
                return line[5..^5];
            }
        }

        throw new GitSourceException($"{GitReference.Redact(repository.Remote)}: could not find the repository's default branch; name a ref (#branch)");
    }

    /// <summary>The subdirectory to copy: every part of its path a directory, none a symlink (a link could leave the checkout).</summary>
    private static string SubDirectory(string tree, string subdir)
    {
        var path = tree;
        foreach (var part in subdir.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            path = Path.Combine(path, part);
            var info = new DirectoryInfo(path);
            if (!info.Exists || info.LinkTarget is not null)
            {
                throw new GitSourceException($"subdir {subdir}: {part} is not a directory of the repository");
            }
        }

        return path;
    }

    internal static void RequireChecksum(GitReference repository, string commit, string? peeled)
    {
        if (repository.Checksum is { } checksum && !commit.StartsWith(checksum, StringComparison.OrdinalIgnoreCase)
            && (peeled is null || !peeled.StartsWith(checksum, StringComparison.OrdinalIgnoreCase)))
        {
            throw new GitSourceException($"expected checksum to match {checksum}, got {commit}{(peeled is null ? "" : " or " + peeled)}");
        }
    }

    private static async Task<T> Run<T>(GitReference repository, Func<Task<T>> work)
    {
        try
        {
            return await work();
        }
        catch (GitCommandException e)
        {
            throw new GitSourceException($"{GitReference.Redact(repository.Remote)}: {e.Message}", e);
        }
    }

    /// <summary>git for one checkout; a fetch a server refuses as shallow is tried again whole.</summary>
    private sealed class GitRun(GitAccess access, string remote, CancellationToken cancellationToken)
    {
        public Task<string> RunAsync(IReadOnlyList<string> args) => GitCommand.RunAsync(access, remote, args, cancellationToken);

        public async Task<string> FetchAsync(IReadOnlyList<string> args)
        {
            try
            {
                return await RunAsync(args);
            }
            catch (GitCommandException e) when (e.Error.Contains("--depth", StringComparison.Ordinal) || e.Error.Contains("shallow", StringComparison.Ordinal))
            {
                return await RunAsync(args.Where(a => a != "--depth=1").ToList());
            }
        }
    }
}
