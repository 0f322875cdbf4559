namespace ImageBuilder.Dockerfile.Ignore;

/// <summary>Why a pattern was rejected.</summary>
public enum IgnorePatternError
{
    /// <summary>
    /// The pattern breaks Go's <c>filepath.Match</c> syntax (an unclosed '[', a
    /// bad range such as "[-x]", a trailing '\'), or its translation is not a
    /// valid regular expression (e.g. "[l-O]"): docker's <c>ErrBadPattern</c>.
    /// </summary>
    Syntax,

    /// <summary>A lone "!" that excludes nothing.</summary>
    IllegalExclusion,
}

/// <summary>
/// The only exception <see cref="PatternMatcher"/> throws for a bad pattern,
/// either from its constructor (syntax and lone "!", as docker's <c>New</c>) or,
/// for a pattern whose regular expression does not compile, from the first
/// match that has to evaluate that pattern (as docker does). Use
/// <see cref="DockerIgnore.Locate"/> to turn it into a located diagnostic.
/// </summary>
public sealed class IgnorePatternException : Exception
{
    public IgnorePatternException(IgnorePatternError error, string pattern, int patternIndex)
        : base(Describe(error, pattern))
    {
        Error = error;
        Pattern = pattern;
        PatternIndex = patternIndex;
    }

    public IgnorePatternError Error { get; }

    /// <summary>The pattern as it was given to the matcher.</summary>
    public string Pattern { get; }

    /// <summary>Position of the pattern in the list given to the matcher (empty entries count).</summary>
    public int PatternIndex { get; }

    private static string Describe(IgnorePatternError error, string pattern) => error switch
    {
        IgnorePatternError.IllegalExclusion => "illegal exclusion pattern: \"!\"",
        _ => $"syntax error in pattern \"{pattern}\"",
    };
}
