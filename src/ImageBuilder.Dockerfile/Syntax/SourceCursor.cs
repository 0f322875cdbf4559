using Sprache;

namespace ImageBuilder.Dockerfile.Syntax;

/// <summary>
/// A Sprache input over the whole Dockerfile text that can also jump forward
/// by a whole physical line in one step, so line-level rules stay linear.
/// </summary>
internal sealed class SourceCursor : IInput
{
    private IDictionary<object, object>? memos;

    public SourceCursor(string source, int position = 0, int line = 1, int column = 1)
    {
        Source = source;
        Position = position;
        Line = line;
        Column = column;
    }

    public string Source { get; }

    public int Position { get; }

    public int Line { get; }

    public int Column { get; }

    public char Current => Source[Position];

    public bool AtEnd => Position >= Source.Length;

    public IDictionary<object, object> Memos => memos ??= new Dictionary<object, object>();

    public IInput Advance()
    {
        if (AtEnd)
        {
            throw new InvalidOperationException("The input is already at its end.");
        }

        return Current == '\n'
            ? new SourceCursor(Source, Position + 1, Line + 1, 1)
            : new SourceCursor(Source, Position + 1, Line, Column + 1);
    }

    /// <summary>Moves to the start of the next physical line (past the next '\n', or to the end).</summary>
    public SourceCursor NextLine(out string rawLine)
    {
        var end = Source.IndexOf('\n', Position);
        if (end < 0)
        {
            rawLine = Source[Position..];
            return new SourceCursor(Source, Source.Length, Line, Column + rawLine.Length);
        }

        rawLine = Source[Position..(end + 1)];
        return new SourceCursor(Source, end + 1, Line + 1, 1);
    }

    public bool Equals(IInput? other) =>
        other is not null && ReferenceEquals(Source, other.Source) && Position == other.Position;

    public override bool Equals(object? obj) => obj is IInput other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Source, Position);

    public override string ToString() => $"Line {Line}, Column {Column}";
}
