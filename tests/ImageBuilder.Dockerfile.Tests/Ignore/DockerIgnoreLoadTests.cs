using System.IO.Abstractions.TestingHelpers;
using ImageBuilder.Dockerfile.Ignore;

namespace ImageBuilder.Dockerfile.Tests.Ignore;

public sealed class DockerIgnoreLoadTests
{
    private static MockFileSystem FileSystem(params (string Path, string Content)[] files) =>
        new(files.ToDictionary(f => f.Path, f => new MockFileData(f.Content)), currentDirectory: "/work");

    [Fact]
    public void Dockerfile_specific_ignore_file_wins()
    {
        var fs = FileSystem(
            ("/ctx/.dockerignore", "shared\n"),
            ("/ctx/build/app.Dockerfile", "FROM scratch\n"),
            ("/ctx/build/app.Dockerfile.dockerignore", "own\n!own/keep\n"));

        var ignore = DockerIgnoreFile.Load(fs, "/ctx", "/ctx/build/app.Dockerfile");

        Assert.Equal("/ctx/build/app.Dockerfile.dockerignore", ignore.FilePath);
        Assert.Equal(["own", "!own/keep"], ignore.Patterns);
        Assert.True(ignore.Matcher.MatchesOrParentMatches("own/file"));
        Assert.False(ignore.Matcher.MatchesOrParentMatches("own/keep"));
        Assert.False(ignore.Matcher.MatchesOrParentMatches("shared"));
        Assert.True(ignore.Matcher.Exclusions);
    }

    [Fact]
    public void Context_ignore_file_is_used_when_the_dockerfile_has_none()
    {
        var fs = FileSystem(("/ctx/.dockerignore", "node_modules\n*.log\n"), ("/ctx/Dockerfile", "FROM scratch\n"));

        var ignore = DockerIgnoreFile.Load(fs, "/ctx", "/ctx/Dockerfile");

        Assert.Equal("/ctx/.dockerignore", ignore.FilePath);
        Assert.True(ignore.Matcher.MatchesOrParentMatches("node_modules/x/y.js"));
        Assert.True(ignore.Matcher.MatchesOrParentMatches("debug.log"));
        Assert.False(ignore.Matcher.MatchesOrParentMatches("src/debug.log"));
    }

    [Fact]
    public void Default_dockerfile_name_also_has_its_own_ignore_file()
    {
        var fs = FileSystem(("/ctx/.dockerignore", "a\n"), ("/ctx/Dockerfile", "FROM scratch\n"), ("/ctx/Dockerfile.dockerignore", "b\n"));

        Assert.Equal(["b"], DockerIgnoreFile.Load(fs, "/ctx", "/ctx/Dockerfile").Patterns);
    }

    [Fact]
    public void Relative_dockerfile_path_is_taken_from_the_current_directory()
    {
        var fs = FileSystem(
            ("/ctx/.dockerignore", "shared\n"),
            ("/work/build/app.Dockerfile", "FROM scratch\n"),
            ("/work/build/app.Dockerfile.dockerignore", "own\n"));

        var ignore = DockerIgnoreFile.Load(fs, "/ctx", "build/app.Dockerfile");

        Assert.Equal("/work/build/app.Dockerfile.dockerignore", ignore.FilePath);
    }

    [Fact]
    public void No_ignore_file_ignores_nothing()
    {
        var fs = FileSystem(("/ctx/Dockerfile", "FROM scratch\n"));

        var ignore = DockerIgnoreFile.Load(fs, "/ctx", "/ctx/Dockerfile");

        Assert.Null(ignore.FilePath);
        Assert.Empty(ignore.Patterns);
        Assert.False(ignore.Matcher.MatchesOrParentMatches("anything/at/all"));
        Assert.False(ignore.Matcher.Exclusions);
        Assert.Same(DockerIgnore.None, DockerIgnoreFile.Load(fs, "/ctx", dockerfilePath: null));
    }

    [Fact]
    public void Bad_pattern_is_reported_at_its_line()
    {
        var fs = FileSystem(("/ctx/.dockerignore", "# comment\n\nfoo\n  docs/[a-\nbar\n"));

        var error = Assert.Throws<DockerfileException>(() => DockerIgnoreFile.Load(fs, "/ctx", "/ctx/Dockerfile"));

        Assert.Equal(ErrorCode.InvalidIgnorePattern, error.Code);
        Assert.Equal(SourceSpan.At(4), error.Span);
        Assert.Contains("docs/[a-", error.Message);
        Assert.Equal("/ctx/.dockerignore", error.Diagnostics[0].File);
        Assert.NotNull(error.Diagnostics[0].Hint);
    }

    [Fact]
    public void Lone_exclamation_mark_is_reported_at_its_line()
    {
        var fs = FileSystem(("/ctx/.dockerignore", "a\r\n!\r\n"));

        var error = Assert.Throws<DockerfileException>(() => DockerIgnoreFile.Load(fs, "/ctx", null));

        Assert.Equal(ErrorCode.InvalidIgnorePattern, error.Code);
        Assert.Equal(2, error.Span!.Value.StartLine);
        Assert.Contains("illegal exclusion pattern", error.Message);
    }

    [Fact]
    public void Pattern_failing_only_when_matched_can_be_located()
    {
        var fs = FileSystem(("/ctx/.dockerignore", "# first\n[Local-Only]/\n"));
        var ignore = DockerIgnoreFile.Load(fs, "/ctx", null);

        var error = Assert.Throws<IgnorePatternException>(() => ignore.Matcher.MatchesOrParentMatches("x"));
        var located = ignore.Locate(error);

        Assert.Equal(ErrorCode.InvalidIgnorePattern, located.Code);
        Assert.Equal(2, located.Span!.Value.StartLine);
        Assert.Equal(2, ignore.LineOf(0));
    }

    [Fact]
    public void Byte_order_mark_and_carriage_returns_are_dropped()
    {
        var fs = FileSystem(("/ctx/.dockerignore", "\uFEFF# comment\r\n/abs\r\n"));

        Assert.Equal(["abs"], DockerIgnoreFile.Load(fs, "/ctx", null).Patterns);
    }
}
