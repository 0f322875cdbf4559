using System.Text;
using ImageBuilder.Build.Copying;
using ImageBuilder.Planning;

namespace ImageBuilder.Build.Engine;

internal sealed partial class StageRun
{
    /// <summary>
    /// ADD of git repositories. Each ref is resolved first (ls-remote, no content): the key is
    /// the commits and the checkout's options, so an unchanged ref is a hit that fetches nothing.
    /// On a miss each commit is checked out in the step's scratch and its content copied into
    /// the destination, as BuildKit copies a git source's root.
    /// </summary>
    private async Task<LayerChain> AddGitAsync(CopyStep copy, LayerChain chain, CancellationToken cancellationToken)
    {
        var revisions = new List<(GitReference Repository, GitRevision Revision, GitAccess Access)>();
        foreach (var repository in copy.Repositories)
        {
            var access = GitAccessFor(repository);
            if (repository.IsSsh && access.SshAuthSocket is null)
            {
                throw Located(BuildErrors.CopyFailed, $"ADD of {GitReference.Redact(repository.Remote)} signs in over ssh, and the build was given no ssh agent", copy,
                    "pass your agent with --ssh default (or --ssh default=KEYFILE); ibuild never uses the host's ~/.ssh");
            }

            var revision = await GitAsync(copy, () => shared.Machine.Git.ResolveAsync(repository, access, cancellationToken));
            revisions.Add((repository, revision, access));

            // For provenance, as BuildKit records a git source: the remote and ref, the commit (sha1, or sha256 in such a repository).
            shared.Downloads.Enqueue(new RemoteDownload(repository.Describe(revision.Ref), (revision.Commit.Length == 64 ? "sha256:" : "sha1:") + revision.Commit));
        }

        // The source's text (its ref with it) is in the key through the step's description, so a kept
        // .git naming another ref is another key, as BuildKit's ".git#ref" makes it.
        var key = string.Join('\n', revisions.Select(r =>
            $"git {r.Revision.KeyFor(r.Repository)} subdir={r.Repository.SubDir} keep-git-dir={r.Repository.KeepGitDir == true} "
            + $"submodules={r.Repository.Submodules} mtime={(r.Repository.CommitTime ? "commit" : "checkout")}"));
        return await StepAsync(copy, chain, [Encoding.UTF8.GetBytes(key)], async (root, _) =>
        {
            for (var i = 0; i < revisions.Count; i++)
            {
                var (repository, revision, access) = revisions[i];
                var directory = Directory.CreateDirectory(Path.Combine(root.ScratchDir, $"git-{i}")).FullName;
                var content = await GitAsync(copy, () => shared.Machine.Git.CheckoutAsync(repository, revision, access, directory, cancellationToken));
                await CopyAsync(copy, root, new CopyRequest(
                    content, null, null, ["."], [], copy.Destination, copy.WorkingDirectory, copy.Chown, copy.Chmod, UnpackArchives: false, copy.Excludes, Parents: false));
            }
        }, cancellationToken);
    }

    private static async Task<T> GitAsync<T>(CopyStep copy, Func<Task<T>> work)
    {
        try
        {
            return await work();
        }
        catch (GitSourceException e)
        {
            throw CopyFailed(CopyFailure.CannotCopy, $"ADD failed: {e.Message}", copy, "check the repository's URL and ref, and its credentials (--secret id=GIT_AUTH_TOKEN.HOST)");
        }
    }

    /// <summary>
    /// The credentials BuildKit would send to the remote: the first of the secrets
    /// <c>GIT_AUTH_HEADER.HOST</c>, <c>GIT_AUTH_TOKEN.HOST</c>, <c>GIT_AUTH_HEADER</c>,
    /// <c>GIT_AUTH_TOKEN</c> the build was given (a token is sent as x-access-token's basic
    /// credentials). Only for http(s) remotes; an ssh remote gets the <c>--ssh default</c> agent.
    /// </summary>
    private GitAccess GitAccessFor(GitReference repository)
    {
        if (repository.IsSsh)
        {
            // As BuildKit: an ssh remote is reached through the agent of --ssh default.
            return new GitAccess(null, shared.Options.SshAgents.GetValueOrDefault("default"));
        }

        if (!Uri.TryCreate(repository.Remote, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return GitAccess.None;
        }

        var host = uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}";
        foreach (var (name, token) in new[] { ("GIT_AUTH_HEADER." + host, false), ("GIT_AUTH_TOKEN." + host, true), ("GIT_AUTH_HEADER", false), ("GIT_AUTH_TOKEN", true) })
        {
            if (shared.Options.Secrets.TryGetValue(name, out var secret))
            {
                var value = Encoding.UTF8.GetString(secret).TrimEnd('\r', '\n');
                return new GitAccess(token ? "basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("x-access-token:" + value)) : value, null);
            }
        }

        return GitAccess.None;
    }
}
