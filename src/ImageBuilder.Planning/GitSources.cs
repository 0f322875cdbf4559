using ImageBuilder.Dockerfile;
using ImageBuilder.Dockerfile.Instructions;

namespace ImageBuilder.Planning;

/// <summary>
/// Which COPY and ADD sources are git repositories, and the checks BuildKit makes on them before
/// anything runs: COPY cannot read one, <c>--keep-git-dir</c> and <c>--checksum</c> must agree
/// with the source's own query, a checksum is a hex commit id.
/// </summary>
internal static class GitSources
{
    /// <summary>ADD's repositories (none when no source is one); then every source must be one.</summary>
    public static IReadOnlyList<GitReference> Plan(AddInstruction add)
    {
        var repositories = add.Paths.SourcePaths.Select(s => (Source: s, Git: Parse(s, add))).ToList();
        if (repositories.All(r => r.Git is null))
        {
            return [];
        }

        var other = repositories.FirstOrDefault(r => r.Git is null).Source ?? (add.Paths.SourceContents.Count > 0 ? "a heredoc" : null);
        if (other is not null)
        {
            throw new DockerfileException(
                ErrorCode.NotImplemented, $"ADD of a git repository together with other sources ({other}) is not supported; use one ADD for each", add.Span);
        }

        return repositories.Select(r => Merge(r.Git!, add)).ToList();
    }

    /// <summary>BuildKit refuses a git source in COPY: only ADD clones.</summary>
    public static void RefuseInCopy(CopyInstruction copy)
    {
        if (copy.Paths.SourcePaths.FirstOrDefault(s => Parse(s, copy) is not null) is { } git)
        {
            throw new DockerfileException(
                ErrorCode.InvalidArgument, $"source can't be a git ref for COPY: {git}", copy.Span, hint: "use ADD to check out a git repository");
        }
    }

    private static GitReference? Parse(string source, Instruction instruction)
    {
        try
        {
            return GitReference.Parse(source);
        }
        catch (FormatException e)
        {
            throw new DockerfileException(ErrorCode.InvalidArgument, $"{source}: {e.Message}", instruction.Span);
        }
    }

    private static GitReference Merge(GitReference git, AddInstruction add)
    {
        if (add.KeepGitDir && git.KeepGitDir == false)
        {
            throw new DockerfileException(ErrorCode.InvalidFlagValue, "inconsistent keep-git-dir configuration: --keep-git-dir and the source's keep-git-dir=false", add.Span);
        }

        if (add.Checksum is { Length: > 0 } flag && git.Checksum is { } query && flag != query)
        {
            throw new DockerfileException(ErrorCode.InvalidFlagValue, $"checksum mismatch \"{flag}\" != \"{query}\"", add.Span);
        }

        var merged = git with { KeepGitDir = git.KeepGitDir ?? add.KeepGitDir, Checksum = git.Checksum ?? NullIfEmpty(add.Checksum) };
        if (merged.Checksum is { } checksum && !GitReference.IsHex(checksum))
        {
            throw new DockerfileException(
                ErrorCode.InvalidFlagValue, $"invalid checksum {checksum} for Git URL, expected hex commit hash", add.Span, hint: "--checksum takes a commit id (or a prefix of one) for a git source");
        }

        if (merged.FetchByCommit && !GitReference.IsCommitId(merged.Checksum))
        {
            throw new DockerfileException(ErrorCode.InvalidFlagValue, "fetch-by-commit requires a full commit id as checksum", add.Span);
        }

        return merged;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
