using System.Collections.Concurrent;
using ImageBuilder.Build.Engine;
using ImageBuilder.Planning;

namespace ImageBuilder.Build.Tests.Engine.Fakes;

/// <summary>
/// Git without git: each remote's refs are what <see cref="Refs"/> says (a ref's commit id), and a
/// checkout writes one file, <c>COMMIT</c>, holding the commit. Every resolve and checkout is recorded
/// with the access it was given.
/// </summary>
internal sealed class FakeGitSource : IGitSource
{
    public ConcurrentDictionary<string, string> Refs { get; } = new();

    public ConcurrentQueue<(GitReference Repository, GitAccess Access)> Resolved { get; } = new();

    public ConcurrentQueue<(GitReference Repository, GitRevision Revision)> CheckedOut { get; } = new();

    public Task<GitRevision> ResolveAsync(GitReference repository, GitAccess access, CancellationToken cancellationToken)
    {
        Resolved.Enqueue((repository, access));
        var reference = repository.Ref ?? "main";
        return Refs.TryGetValue($"{repository.Remote}#{reference}", out var commit)
            ? Task.FromResult(new GitRevision(commit, "refs/heads/" + reference))
            : throw new GitSourceException($"{repository.Remote}: the repository has no ref {reference}");
    }

    public Task<string> CheckoutAsync(GitReference repository, GitRevision revision, GitAccess access, string directory, CancellationToken cancellationToken)
    {
        CheckedOut.Enqueue((repository, revision));
        File.WriteAllText(Path.Combine(directory, "COMMIT"), revision.Commit);
        return Task.FromResult(directory);
    }
}
