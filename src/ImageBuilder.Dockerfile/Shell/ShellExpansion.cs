namespace ImageBuilder.Dockerfile.Shell;

/// <summary>
/// What <see cref="ShellLexer.ProcessWordWithMatches"/> produced: the expanded word, the
/// variable names that were looked up and found, and those looked up but not set.
/// </summary>
public sealed record ShellExpansion(string Result, IReadOnlySet<string> Matched, IReadOnlySet<string> Unmatched);
