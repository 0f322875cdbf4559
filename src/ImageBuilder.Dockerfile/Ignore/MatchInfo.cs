namespace ImageBuilder.Dockerfile.Ignore;

/// <summary>
/// What a directory's match left for its children: which patterns matched it
/// (or one of its ancestors). Pass <see cref="None"/> (the default) when the
/// parent is unknown; the matcher then checks the ancestors itself.
/// </summary>
public readonly struct MatchInfo
{
    internal MatchInfo(bool[] patternMatched) => PatternMatched = patternMatched;

    /// <summary>No knowledge about the parent directory.</summary>
    public static MatchInfo None => default;

    /// <summary>Per compiled pattern: did it match the directory this info came from; null for <see cref="None"/>.</summary>
    internal bool[]? PatternMatched { get; }

    internal bool HasParent => PatternMatched is { Length: > 0 };
}
