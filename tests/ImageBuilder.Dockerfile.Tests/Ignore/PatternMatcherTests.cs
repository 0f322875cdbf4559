using ImageBuilder.Dockerfile.Ignore;

namespace ImageBuilder.Dockerfile.Tests.Ignore;

public sealed class PatternMatcherTests
{
    [Theory]
    [InlineData("/foo", "foo", true)]
    [InlineData("!/foo", "foo", false)]
    [InlineData("/foo/*.txt", "foo/a.txt", true)]
    [InlineData("/", "/", true)]
    public void Leading_slash_is_ignored(string pattern, string path, bool expected)
    {
        var matcher = new PatternMatcher(["**", pattern]);
        var single = new PatternMatcher([pattern]);
        Assert.Equal(expected, pattern.StartsWith('!') ? matcher.MatchesOrParentMatches(path) : single.MatchesOrParentMatches(path));
    }

    [Fact]
    public void Last_matching_pattern_wins()
    {
        var matcher = new PatternMatcher(["*.md", "!README.md", "README*"]);

        Assert.True(matcher.MatchesOrParentMatches("CHANGES.md"));
        Assert.True(matcher.MatchesOrParentMatches("README.md"));
        Assert.False(new PatternMatcher(["*.md", "!README.md"]).MatchesOrParentMatches("README.md"));
    }

    [Fact]
    public void Exclusions_reports_any_bang_pattern()
    {
        Assert.False(new PatternMatcher(["a", "b"]).Exclusions);
        Assert.True(new PatternMatcher(["a", "  !b"]).Exclusions);
        Assert.False(PatternMatcher.Empty.Exclusions);
    }

    [Fact]
    public void Blank_patterns_are_skipped_but_count_in_source_index()
    {
        var matcher = new PatternMatcher(["", "  ", "a/./b/", "!c"]);

        Assert.Equal(["a/b", "!c"], matcher.Patterns.Select(p => p.ToString()));
        Assert.Equal([2, 3], matcher.Patterns.Select(p => p.SourceIndex));
        Assert.Equal("c", matcher.Patterns[1].Text);
        Assert.True(matcher.Patterns[1].IsExclusion);
    }

    [Theory]
    [InlineData("!", IgnorePatternError.IllegalExclusion)]
    [InlineData("  !  ", IgnorePatternError.IllegalExclusion)]
    [InlineData("a[", IgnorePatternError.Syntax)]
    [InlineData("*/[x-]", IgnorePatternError.Syntax)]
    [InlineData("foo\\", IgnorePatternError.Syntax)]
    [InlineData("a/**/[^", IgnorePatternError.Syntax)]
    public void Malformed_patterns_are_rejected_when_compiled(string pattern, IgnorePatternError expected)
    {
        var error = Assert.Throws<IgnorePatternException>(() => new PatternMatcher(["ok", pattern]));

        Assert.Equal(expected, error.Error);
        Assert.Equal(pattern, error.Pattern);
        Assert.Equal(1, error.PatternIndex);
        Assert.Contains(expected == IgnorePatternError.Syntax ? pattern : "\"!\"", error.Message);
    }

    [Fact]
    public void Pattern_that_fails_at_match_time_is_only_reported_when_evaluated()
    {
        // As in docker, an inclusion is not evaluated once the path already matched.
        var matcher = new PatternMatcher(["**", "[b-a]"]);

        Assert.True(matcher.MatchesOrParentMatches("anything"));
        Assert.Throws<IgnorePatternException>(() => new PatternMatcher(["[b-a]"]).MatchesOrParentMatches("anything"));
    }

    [Fact]
    public void Match_info_from_another_matcher_is_rejected()
    {
        var two = new PatternMatcher(["a", "b"]);
        var info = two.MatchesUsingParentResults("a", MatchInfo.None).Info;

        Assert.Throws<ArgumentException>(() => new PatternMatcher(["a"]).MatchesUsingParentResults("a/b", info));
    }

    [Fact]
    public void Walking_with_parent_info_agrees_with_matching_each_path()
    {
        string[] patterns = ["**/*.log", "build", "!build/keep/**", "docs/*", "!docs/README.md", "x?z/[a-c]*", "**/tmp*"];
        string[] paths =
        [
            "a.log", "src/a.log", "build", "build/out/bin", "build/keep/x", "build/keep", "docs/README.md",
            "docs/guide/intro.md", "xyz/apple", "xyz/dog", "deep/er/tmpfile", "tmp/x", "src/main.cs",
        ];
        var matcher = new PatternMatcher(patterns);

        foreach (var path in paths)
        {
            Assert.True(
                matcher.MatchesOrParentMatches(path) == ParentWalk.Matches(matcher, path),
                $"walk and direct match differ for {path}");
        }
    }

    /// <summary>
    /// moby's parent-info shortcut records only the patterns it evaluated, so a walk
    /// can disagree with direct matching; BuildKit walks this way, and so do we.
    /// </summary>
    [Fact]
    public void Walk_keeps_dockers_parent_info_shortcut()
    {
        var matcher = new PatternMatcher(["**", "!x/y", "x"]);

        Assert.True(matcher.MatchesOrParentMatches("x/y"));
        Assert.False(ParentWalk.Matches(matcher, "x/y"));
    }

    /// <summary>
    /// Like docker, brackets and escapes are handed to a Go regexp, so they keep
    /// their regexp meaning. Expected values were checked against Go's regexp.
    /// </summary>
    [Theory]
    [InlineData("[[:alpha:]]", "x", true)]
    [InlineData("[[:alpha:]]", "[", false)]
    [InlineData("a\\d", "a5", true)]
    [InlineData("a\\d", "ad", false)]
    [InlineData("?\\x41", "zA", true)]
    [InlineData("[a?]", "/]", true)]
    [InlineData("[a?]", "a", false)]
    [InlineData("\\Qa*", "a[^/]*$xyz", true)]
    [InlineData("\\Qa*", "abc", false)]
    [InlineData("**/\\bx", "a/x", true)]
    [InlineData("**/\\bx", "ax", false)]
    [InlineData("a?b", "a\U0001F600b", true)]
    [InlineData("a??b", "a\U0001F600b", false)]
    [InlineData("*.txt", "a\n.txt", true)]
    [InlineData("**/x?", "a\n/xy", false)]
    public void Regexp_quirks_follow_docker(string pattern, string path, bool expected) =>
        Assert.Equal(expected, new PatternMatcher([pattern]).MatchesOrParentMatches(path));

    [Theory]
    [InlineData("\\pL", "\u00E9", true)]
    [InlineData("\\pL", "-", false)]
    [InlineData("\\pl", "\u00E9", true)]
    [InlineData("[\\PN]", "\u00E9", true)]
    [InlineData("[\\PN]", "7", false)]
    public void Unicode_classes_work(string pattern, string path, bool expected) =>
        Assert.Equal(expected, new PatternMatcher([pattern]).MatchesOrParentMatches(path));

    [Theory]
    [InlineData("\\pX")]
    [InlineData("a\\y")]
    [InlineData("[[:nope:]]")]
    [InlineData("\\C")]
    [InlineData("[z-a]")]
    public void Invalid_regexp_reports_bad_pattern_when_matched(string pattern)
    {
        var matcher = new PatternMatcher([pattern]);

        Assert.Throws<IgnorePatternException>(() => matcher.MatchesOrParentMatches("a"));
        Assert.Throws<IgnorePatternException>(() => matcher.MatchesUsingParentResults("a", MatchInfo.None));
    }
}
