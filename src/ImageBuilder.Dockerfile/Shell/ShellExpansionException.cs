namespace ImageBuilder.Dockerfile.Shell;

/// <summary>
/// Raised when a word cannot be expanded: an unterminated quote or <c>${</c>, an
/// unsupported modifier, a bad pattern, or a <c>${VAR:?message}</c> that fired.
/// </summary>
public sealed class ShellExpansionException : Exception
{
    public ShellExpansionException(string message, int position)
        : base(message)
    {
        Position = position;
    }

    /// <summary>
    /// Zero-based offset in the processed word of the construct that failed: the opening
    /// quote of an unterminated quote, otherwise the <c>$</c> of the failing substitution.
    /// </summary>
    public int Position { get; }
}
