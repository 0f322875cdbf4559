using ImageBuilder.Dockerfile.Paths;

namespace ImageBuilder.Dockerfile.Ignore;

/// <summary>
/// Matches slash-separated context paths against an ordered list of
/// .dockerignore patterns with the semantics of moby/patternmatcher, the
/// matcher used by docker and BuildKit:
/// <list type="bullet">
/// <item>each pattern uses Go <c>filepath.Match</c> syntax (<c>* ? [a-z] [^a] \x</c>) plus
/// "**" for any number of directories; it is trimmed and cleaned like
/// <c>filepath.Clean</c>, and a leading '/' is ignored;</item>
/// <item>a "!" pattern re-includes; the last pattern that matches decides;</item>
/// <item>a path also matches when one of its parent directories does.</item>
/// </list>
/// Instances are immutable and safe to share between threads.
/// </summary>
public sealed class PatternMatcher
{
    private readonly IgnorePattern[] patterns;

    /// <summary>Compiles <paramref name="patterns"/> once, in order; blank entries are skipped.</summary>
    /// <exception cref="IgnorePatternException">A pattern is malformed or a lone "!".</exception>
    public PatternMatcher(IEnumerable<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        var compiled = new List<IgnorePattern>();
        var index = 0;
        foreach (var raw in patterns)
        {
            if (raw is null)
            {
                throw new ArgumentException("a pattern list may not contain null", nameof(patterns));
            }

            if (IgnorePattern.Create(raw, index++) is { } pattern)
            {
                compiled.Add(pattern);
            }
        }

        this.patterns = [.. compiled];
        Exclusions = this.patterns.Any(p => p.IsExclusion);
    }

    /// <summary>A matcher without patterns: nothing is ignored.</summary>
    public static PatternMatcher Empty { get; } = new([]);

    /// <summary>The compiled patterns, in order.</summary>
    public IReadOnlyList<IgnorePattern> Patterns => patterns;

    /// <summary>
    /// True when some pattern starts with "!". A context walker may then not
    /// skip an ignored directory wholesale: something below it may be re-included.
    /// </summary>
    public bool Exclusions { get; }

    /// <summary>
    /// Whether <paramref name="path"/> is ignored: a pattern matches the path or
    /// one of its parent directories, and no later "!" pattern matches it back in.
    /// </summary>
    /// <exception cref="IgnorePatternException">A pattern that had to be evaluated does not compile.</exception>
    public bool MatchesOrParentMatches(string path)
    {
        var parent = GoPath.Dir(path);
        var matched = false;
        foreach (var pattern in patterns)
        {
            // An inclusion cannot change a match, an exclusion cannot change a miss.
            if (pattern.IsExclusion != matched)
            {
                continue;
            }

            if (pattern.Matches(path) || (parent != "." && pattern.MatchesAncestor(parent)))
            {
                matched = !pattern.IsExclusion;
            }
        }

        return matched;
    }

    /// <summary>
    /// Like <see cref="MatchesOrParentMatches"/> for a walk that visits directories
    /// before their contents: hand in the <see cref="MatchInfo"/> returned for the
    /// parent directory and the ancestors are not matched again. The returned info
    /// is the one to pass for this path's children. With <see cref="MatchInfo.None"/>
    /// the ancestors are checked directly.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="parentInfo"/> came from another matcher.</exception>
    /// <exception cref="IgnorePatternException">A pattern that had to be evaluated does not compile.</exception>
    public (bool Matched, MatchInfo Info) MatchesUsingParentResults(string path, MatchInfo parentInfo)
    {
        var parentMatched = parentInfo.PatternMatched;
        var haveParent = parentInfo.HasParent;
        if (haveParent && parentMatched!.Length != patterns.Length)
        {
            throw new ArgumentException("the match info belongs to a different matcher", nameof(parentInfo));
        }

        var matchedHere = new bool[patterns.Length];
        string? parent = null;
        var matched = false;
        for (var i = 0; i < patterns.Length; i++)
        {
            var pattern = patterns[i];

            // A pattern that matched the parent matches everything below it.
            var match = haveParent && parentMatched![i];
            if (!match)
            {
                if (pattern.IsExclusion != matched)
                {
                    continue;
                }

                match = pattern.Matches(path);
                if (!match && !haveParent)
                {
                    parent ??= GoPath.Dir(path);
                    match = parent != "." && pattern.MatchesAncestor(parent);
                }
            }

            matchedHere[i] = match;
            if (match)
            {
                matched = !pattern.IsExclusion;
            }
        }

        return (matched, new MatchInfo(matchedHere));
    }

    /// <summary>
    /// docker's deprecated <c>PatternMatcher.Matches</c>: like
    /// <see cref="MatchesOrParentMatches"/> but only the ancestor with as many
    /// elements as the pattern is tried. Kept for the conformance tables only.
    /// </summary>
    internal bool MatchesSingleParentLevel(string path)
    {
        var parent = GoPath.Dir(path);
        var parentElements = SlashPath.ElementCount(parent);
        var matched = false;
        foreach (var pattern in patterns)
        {
            if (pattern.IsExclusion != matched)
            {
                continue;
            }

            var match = pattern.Matches(path);
            if (!match && parent != "." && pattern.ElementCount <= parentElements)
            {
                match = pattern.Matches(SlashPath.FirstElements(parent, pattern.ElementCount));
            }

            if (match)
            {
                matched = !pattern.IsExclusion;
            }
        }

        return matched;
    }

    /// <summary>docker's deprecated package-level <c>Matches(file, patterns)</c>; "." never matches.</summary>
    internal static bool MatchesSingleParentLevel(string path, IEnumerable<string> patterns)
    {
        var matcher = new PatternMatcher(patterns);
        path = GoPath.Clean(path);
        return path != "." && matcher.MatchesSingleParentLevel(path);
    }
}
