namespace ImageBuilder.Dockerfile;

/// <summary>
/// The one exception the front end throws for bad input. It carries every
/// independent problem found in the run; <see cref="Exception.Message"/> is the first.
/// </summary>
public sealed class DockerfileException : Exception
{
    public DockerfileException(IReadOnlyList<Diagnostic> diagnostics)
        : base(diagnostics.Count > 0 ? diagnostics[0].Message : "invalid Dockerfile")
    {
        if (diagnostics.Count == 0)
        {
            throw new ArgumentException("at least one diagnostic is required", nameof(diagnostics));
        }

        Diagnostics = diagnostics;
    }

    public DockerfileException(ErrorCode code, string message, SourceSpan? span = null, string? hint = null)
        : this([new Diagnostic(code, message, span, hint)])
    {
    }

    public IReadOnlyList<Diagnostic> Diagnostics { get; }

    public ErrorCode Code => Diagnostics[0].Code;

    public SourceSpan? Span => Diagnostics[0].Span;
}
