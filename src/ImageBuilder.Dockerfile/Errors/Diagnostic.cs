namespace ImageBuilder.Dockerfile;

/// <summary>One located problem in a Dockerfile (or another input file).</summary>
public sealed record Diagnostic(ErrorCode Code, string Message, SourceSpan? Span = null, string? Hint = null)
{
    /// <summary><c>Dockerfile:7:5: IB1001: message</c>.</summary>
    public string Format(string fileName)
    {
        var where = Span is { } s ? $"{fileName}:{s.StartLine}:{s.StartColumn}" : fileName;
        return $"{where}: {Code.Id()}: {Message}";
    }
}
