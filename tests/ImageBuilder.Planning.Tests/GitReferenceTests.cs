namespace ImageBuilder.Planning.Tests;

/// <summary>Which ADD sources name a git repository, read as BuildKit's dfgitutil.ParseGitRef reads them.</summary>
public sealed class GitReferenceTests
{
    [Theory]
    [InlineData("https://github.com/moby/buildkit.git", "https://github.com/moby/buildkit.git", null, "")]
    [InlineData("https://github.com/moby/buildkit.git#v0.12:docs/", "https://github.com/moby/buildkit.git", "v0.12", "docs")]
    [InlineData("https://github.com/moby/buildkit.git#:/a/../b/./c", "https://github.com/moby/buildkit.git", null, "b/c")]
    [InlineData("http://127.0.0.1:8080/repo.git#main", "http://127.0.0.1:8080/repo.git", "main", "")]
    [InlineData("git://host.example/repo#refs/tags/v1", "git://host.example/repo", "refs/tags/v1", "")]
    [InlineData("ssh://git@host.example/org/repo.git#dev", "ssh://git@host.example/org/repo.git", "dev", "")]
    [InlineData("git@github.com:moby/buildkit.git#main:sub", "git@github.com:moby/buildkit.git", "main", "sub")]
    [InlineData("git@host.example:repo?ref=v2&subdir=x", "git@host.example:repo", "v2", "x")]
    [InlineData("https://host.example/r.git?tag=v1", "https://host.example/r.git", "refs/tags/v1", "")]
    [InlineData("https://host.example/r.git?branch=dev", "https://host.example/r.git", "refs/heads/dev", "")]
    public void A_repository_source_gives_its_remote_ref_and_subdirectory(string source, string remote, string? reference, string subdir)
    {
        var git = GitReference.Parse(source);

        Assert.NotNull(git);
        Assert.Equal((remote, reference, subdir), (git.Remote, git.Ref, git.SubDir));
    }

    [Theory]
    [InlineData("https://example.com/file.tar.gz")]
    [InlineData("https://example.com/repo")]
    [InlineData("http://example.com/repo.git.tar")]
    [InlineData("github.com/moby/buildkit")]
    [InlineData("./git@host:path")]
    [InlineData("app.git")]
    [InlineData("ftp://host/repo.git")]
    [InlineData("docs/")]
    public void Other_sources_are_not_repositories(string source) => Assert.Null(GitReference.Parse(source));

    [Fact]
    public void The_query_sets_the_checkout_options()
    {
        var git = GitReference.Parse("https://h.example/r.git?ref=main&keep-git-dir=true&submodules=false&mtime=commit&checksum=abc123")!;

        Assert.Equal((true, false, true, "abc123"), (git.KeepGitDir, git.Submodules, git.CommitTime, git.Checksum));
        Assert.Equal((null, true, false), (GitReference.Parse("https://h.example/r.git")!.KeepGitDir, GitReference.Parse("https://h.example/r.git")!.Submodules, GitReference.Parse("https://h.example/r.git")!.CommitTime));
        Assert.True(GitReference.Parse("https://h.example/r.git?keep-git-dir")!.KeepGitDir);
    }

    [Theory]
    [InlineData("https://h.example/r.git?ref=v2#v1", "ref conflicts")]
    [InlineData("https://h.example/r.git?ref=a&ref=b", "multiple values")]
    [InlineData("https://h.example/r.git?ref=", "has no value")]
    [InlineData("https://h.example/r.git?tag=a&branch=b", "branch conflicts with tag")]
    [InlineData("https://h.example/r.git?depth=1", "unexpected query \"depth\"")]
    [InlineData("https://h.example/r.git?mtime=now", "invalid mtime value")]
    [InlineData("https://h.example/r.git?submodules=maybe", "invalid submodules value")]
    public void A_repository_with_a_bad_query_is_an_error(string source, string message)
    {
        var error = Assert.Throws<FormatException>(() => GitReference.Parse(source));

        Assert.Contains(message, error.Message);
    }
}
