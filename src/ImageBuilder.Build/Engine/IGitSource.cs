using ImageBuilder.Planning;

namespace ImageBuilder.Build.Engine;

/// <summary>
/// The engine's seam for ADD of a git repository: what a ref points at now (the step's cache
/// key), and a checkout of that commit. The Linux implementation (<c>Machine.GitCli</c>) runs
/// Debian's git; engine tests use a fake.
/// </summary>
public interface IGitSource
{
    /// <summary>Asks the remote which commit the repository's ref names (nothing is fetched).</summary>
    /// <exception cref="GitSourceException">The remote cannot be read, has no such ref, or the commit does not match the checksum.</exception>
    Task<GitRevision> ResolveAsync(GitReference repository, GitAccess access, CancellationToken cancellationToken);

    /// <summary>
    /// Fetches <paramref name="revision"/> and checks it out under <paramref name="directory"/>
    /// (empty, the step's own); returns the directory whose content ADD copies (the checkout, or
    /// its subdirectory).
    /// </summary>
    /// <exception cref="GitSourceException">The fetch or checkout failed, or the subdirectory is not one.</exception>
    Task<string> CheckoutAsync(GitReference repository, GitRevision revision, GitAccess access, string directory, CancellationToken cancellationToken);
}

/// <summary>
/// A ref resolved: <paramref name="Commit"/> is the object it names (an annotated tag's own
/// object), <paramref name="Ref"/> the full ref it was found as (null for a commit id), and
/// <paramref name="Peeled"/> the commit an annotated tag points at.
/// </summary>
public sealed record GitRevision(string Commit, string? Ref, string? Peeled = null)
{
    /// <summary>What the cache key holds: the commit, or with the .git directory kept, the tag object itself (as BuildKit).</summary>
    public string KeyFor(GitReference repository) => Peeled is { } commit && repository.KeepGitDir != true ? commit : Commit;
}

/// <summary>
/// How git may reach a private remote: an HTTP Authorization header value (from the
/// <c>GIT_AUTH_TOKEN</c>/<c>GIT_AUTH_HEADER</c> secrets) and an ssh agent socket.
/// </summary>
public sealed record GitAccess(string? Authorization, string? SshAuthSocket)
{
    public static readonly GitAccess None = new(null, null);

    public override string ToString() => $"GitAccess {{ Authorization = {(Authorization is null ? "none" : "(secret)")}, SshAuthSocket = {SshAuthSocket} }}";
}

/// <summary>A git source that could not be read; the message says what git said, credentials removed.</summary>
public sealed class GitSourceException(string message, Exception? inner = null) : Exception(message, inner);
