namespace ImageBuilder.Dockerfile.Checks;

/// <summary>
/// The Dockerfile's text as written, addressed by the syntax tree's 1-based line and column
/// (which do not count a leading byte-order mark).
/// </summary>
internal sealed class SourceText
{
    private readonly List<int> lineStarts = [];

    public SourceText(string text)
    {
        Text = text;
        var bom = text.StartsWith('\uFEFF') ? 1 : 0;
        lineStarts.Add(bom);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                lineStarts.Add(i + 1);
            }
        }
    }

    public string Text { get; }

    /// <summary>The offset of a line and column, or -1 when it is outside the text.</summary>
    public int Offset(int line, int column)
    {
        if (line < 1 || line > lineStarts.Count || column < 1)
        {
            return -1;
        }

        var offset = lineStarts[line - 1] + column - 1;
        var lineEnd = line < lineStarts.Count ? lineStarts[line] : Text.Length;
        return offset <= lineEnd ? offset : -1;
    }

    /// <summary>The physical line's text from <paramref name="column"/> on, without its line ending.</summary>
    public string LineFrom(int line, int column)
    {
        var offset = Offset(line, column);
        if (offset < 0)
        {
            return "";
        }

        var end = line < lineStarts.Count ? lineStarts[line] : Text.Length;
        return Text[offset..end].TrimEnd('\n').TrimEnd('\r');
    }
}

/// <summary>Replace <see cref="Expected"/>, found at line and column, by <see cref="Replacement"/>.</summary>
public sealed record TextEdit(int Line, int Column, string Expected, string Replacement);
