using System.Text;
using ImageBuilder.Dockerfile.Ignore;

namespace ImageBuilder.Dockerfile.Tests.Ignore;

/// <summary>Hostile and random input: matching stays linear and only documented errors escape.</summary>
public sealed class MatcherRobustnessTests
{
    public static TheoryData<string, string> HostileCases() => new()
    {
        // Classic catastrophic-backtracking shapes for a naive glob or regex engine.
        { string.Concat(Enumerable.Repeat("a*", 40)) + "b", new string('a', 20_000) },
        { string.Concat(Enumerable.Repeat("**/", 60)) + "x*y", string.Concat(Enumerable.Repeat("a/", 3_000)) + "x" },
        { string.Concat(Enumerable.Repeat("?*", 5_000)) + "!", new string('z', 4_000) },
        { "**" + string.Concat(Enumerable.Repeat("*a", 200)) + "[", new string('a', 1_000) },
        { string.Concat(Enumerable.Repeat("[a-z]*", 300)) + "0", new string('q', 10_000) },
    };

    [Theory]
    [MemberData(nameof(HostileCases))]
    public void Hostile_patterns_are_decided_without_backtracking(string pattern, string path)
    {
        // The matcher is linear by construction; these shapes would never finish with a
        // backtracking engine, so finishing at all (with the right answer) is the check.
        try
        {
            var matcher = new PatternMatcher([pattern]);
            Assert.False(matcher.MatchesOrParentMatches(path));
            Assert.False(matcher.MatchesUsingParentResults(path, MatchInfo.None).Matched);

            // A walk matches every ancestor as a path of its own; keep the chain realistic.
            Assert.False(ParentWalk.Matches(matcher, path[..Math.Min(path.Length, 400)]));
        }
        catch (IgnorePatternException)
        {
            // A malformed hostile pattern is fine too: it is reported, not run.
        }
    }

    [Fact]
    public void Random_patterns_only_ever_raise_ignore_pattern_exception()
    {
        string[] patternPieces =
        [
            "a", "b", "/", "*", "**", "**/", "?", "[", "]", "^", "-", "\\", "!", ".", "$", "(", ")", "{", "}", "+",
            "|", ":", "[:alpha:]", "[:x:]", "\\Q", "\\E", "\\d", "\\pL", "\\p", "\\x4", "\\b", "\\C", "\\z", "0", "7",
            "\u263A", "\U0001F600", " ", "\t", "..", "./",
        ];
        string[] pathPieces = ["a", "b", "/", ".", "[", "]", "-", "\u263A", "\U0001F600", "\n", "$", "_", "ab"];
        var random = new Random(20240611);
        var compiled = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var patterns = Enumerable.Range(0, random.Next(1, 4)).Select(_ => Build(random, patternPieces, 8)).ToArray();
            PatternMatcher matcher;
            try
            {
                matcher = new PatternMatcher(patterns);
            }
            catch (IgnorePatternException)
            {
                continue;
            }

            compiled++;
            for (var j = 0; j < 4; j++)
            {
                var path = Build(random, pathPieces, 6);
                try
                {
                    var direct = matcher.MatchesOrParentMatches(path);
                    Assert.Equal(direct, matcher.MatchesUsingParentResults(path, MatchInfo.None).Matched);
                    ParentWalk.Matches(matcher, path);
                    matcher.MatchesSingleParentLevel(path);
                    foreach (var pattern in matcher.Patterns)
                    {
                        // The one-pass ancestor check must agree with matching each ancestor.
                        Assert.Equal(SlashPath.Prefixes(path).Any(pattern.Matches), pattern.MatchesAncestor(path));
                    }
                }
                catch (IgnorePatternException)
                {
                }
            }
        }

        Assert.True(compiled > 5_000, $"only {compiled} pattern lists compiled");
    }

    private static string Build(Random random, string[] pieces, int maxPieces)
    {
        var text = new StringBuilder();
        for (var n = random.Next(0, maxPieces + 1); n > 0; n--)
        {
            text.Append(pieces[random.Next(pieces.Length)]);
        }

        return text.ToString();
    }
}
