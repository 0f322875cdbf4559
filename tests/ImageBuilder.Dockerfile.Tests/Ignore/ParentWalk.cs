using ImageBuilder.Dockerfile.Ignore;
using ImageBuilder.Dockerfile.Paths;

namespace ImageBuilder.Dockerfile.Tests.Ignore;

/// <summary>Drives <see cref="PatternMatcher.MatchesUsingParentResults"/> the way a context walker does.</summary>
internal static class ParentWalk
{
    /// <summary>Matches every ancestor of <paramref name="path"/> first, top down, then the path with the last info.</summary>
    public static bool Matches(PatternMatcher matcher, string path)
    {
        var info = MatchInfo.None;
        var parent = GoPath.Dir(path);
        if (parent != ".")
        {
            foreach (var ancestor in SlashPath.Prefixes(parent))
            {
                info = matcher.MatchesUsingParentResults(ancestor, info).Info;
            }
        }

        return matcher.MatchesUsingParentResults(path, info).Matched;
    }

    /// <summary>The same call without any knowledge of the parents.</summary>
    public static bool MatchesWithoutContext(PatternMatcher matcher, string path) =>
        matcher.MatchesUsingParentResults(path, MatchInfo.None).Matched;
}
