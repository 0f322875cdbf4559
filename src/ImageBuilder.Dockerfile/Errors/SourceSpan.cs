namespace ImageBuilder.Dockerfile;

/// <summary>A region of a Dockerfile: 1-based lines and columns, end inclusive.</summary>
public readonly record struct SourceSpan(int StartLine, int StartColumn, int EndLine, int EndColumn)
{
    public static SourceSpan At(int line, int column = 1) => new(line, column, line, column);

    public override string ToString() => $"{StartLine}:{StartColumn}";
}
