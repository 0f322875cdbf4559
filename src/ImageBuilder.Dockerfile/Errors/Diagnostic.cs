namespace ImageBuilder.Dockerfile;

/// <summary>
/// One located problem in a Dockerfile, or in another input file named by <see cref="File"/>
/// (e.g. a .dockerignore); without a file it belongs to the Dockerfile being read.
/// </summary>
public sealed record Diagnostic(ErrorCode Code, string Message, SourceSpan? Span = null, string? Hint = null, string? File = null)
{
    /// <summary><c>Dockerfile:7:5: IB1001: message</c>, using <see cref="File"/> when set.</summary>
    public string Format(string dockerfileName)
    {
        var fileName = File ?? dockerfileName;
        var where = Span is { } s ? $"{fileName}:{s.StartLine}:{s.StartColumn}" : fileName;
        return $"{where}: {Code.Id()}: {Message}";
    }
}
