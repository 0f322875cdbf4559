using ImageBuilder.Build.Engine;
using ImageBuilder.Planning;

namespace ImageBuilder.Build.Machine;

/// <summary>
/// Reads <c>git ls-remote REMOTE REF REF^{}</c> as BuildKit does: a full ref
/// (<c>refs/…</c>) as written, else a branch of that name before a tag (git checkout's
/// preference); an annotated tag's own object is the revision, the commit it points at its
/// peeled commit.
/// </summary>
internal static class LsRemote
{
    public static GitRevision Pick(GitReference repository, string reference, string listing)
    {
        var bare = reference.StartsWith("refs/", StringComparison.Ordinal) ? reference[5..] : reference;
        var partial = "refs/" + bare;
        var head = "refs/heads/" + Strip(reference, "refs/heads/");
        var tag = "refs/tags/" + Strip(reference, "refs/tags/");
        string? exact = null, headSha = null, tagSha = null, peeled = null;
        foreach (var line in listing.Split('\n'))
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab < 0)
            {
                continue;
            }

            var (sha, name) = (line[..tab], line[(tab + 1)..]);
            if (name == head)
            {
                headSha = sha;
            }
            else if (name == tag)
            {
                tagSha = sha;
            }
            else if (name == tag + "^{}")
            {
                peeled = sha;
            }

            if (name == partial)
            {
                exact = sha;
            }
        }

        var (commit, used) = exact is not null ? (exact, partial) : headSha is not null ? (headSha, head) : (tagSha, tag);
        if (exact is not null || headSha is not null)
        {
            peeled = partial == tag ? peeled : null;
        }

        if (commit is null)
        {
            throw new GitSourceException($"{GitReference.Redact(repository.Remote)}: the repository has no ref {reference}");
        }

        if (!GitReference.IsCommitId(commit))
        {
            throw new GitSourceException($"{GitReference.Redact(repository.Remote)}: ls-remote gave \"{commit}\" for {reference}, which is not a commit id");
        }

        GitCli.RequireChecksum(repository, commit, peeled);
        return new GitRevision(commit, used, peeled);
    }

    private static string Strip(string reference, string prefix) => reference.StartsWith(prefix, StringComparison.Ordinal) ? reference[prefix.Length..] : reference;
}
