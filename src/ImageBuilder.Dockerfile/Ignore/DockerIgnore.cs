namespace ImageBuilder.Dockerfile.Ignore;

/// <summary>The ignore rules of a build, as <see cref="DockerIgnoreFile.Load"/> found them.</summary>
public sealed class DockerIgnore
{
    private readonly int[] lines;

    internal DockerIgnore(string? filePath, IReadOnlyList<string> patterns, int[] lines, PatternMatcher matcher)
    {
        FilePath = filePath;
        Patterns = patterns;
        this.lines = lines;
        Matcher = matcher;
    }

    /// <summary>No ignore file: nothing is ignored.</summary>
    public static DockerIgnore None { get; } = new(null, [], [], PatternMatcher.Empty);

    /// <summary>The file the patterns came from; null when there was none.</summary>
    public string? FilePath { get; }

    /// <summary>The patterns as read (see <see cref="DockerIgnoreFile.Read"/>).</summary>
    public IReadOnlyList<string> Patterns { get; }

    /// <summary>The compiled patterns.</summary>
    public PatternMatcher Matcher { get; }

    /// <summary>The 1-based line of the file that pattern number <paramref name="patternIndex"/> came from.</summary>
    public int LineOf(int patternIndex) => lines[patternIndex];

    /// <summary>
    /// Turns an error that <see cref="Matcher"/> raised while matching (a pattern
    /// whose regular expression only fails when first used) into a diagnostic
    /// pointing at the pattern's line.
    /// </summary>
    public DockerfileException Locate(IgnorePatternException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return Describe(FilePath ?? DockerIgnoreFile.DefaultName, lines, error);
    }

    internal static DockerfileException Describe(string filePath, IReadOnlyList<int> lines, IgnorePatternException error)
    {
        var line = error.PatternIndex >= 0 && error.PatternIndex < lines.Count ? lines[error.PatternIndex] : 1;
        var hint = error.Error == IgnorePatternError.IllegalExclusion
            ? "a \"!\" must be followed by the pattern to re-include; remove the line or complete it"
            : "patterns use Go filepath.Match syntax: * ? [a-z] [^a-z] and \\ to escape; close every '[' and give each '-' a character on both sides";
        return new DockerfileException([new Diagnostic(
            ErrorCode.InvalidIgnorePattern, error.Message, SourceSpan.At(line), hint, filePath)]);
    }
}
