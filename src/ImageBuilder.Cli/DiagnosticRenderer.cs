using System.Text;
using ImageBuilder.Dockerfile;

namespace ImageBuilder.Cli;

/// <summary>
/// Prints a diagnostic for people: <c>Dockerfile:7:5: IB1001: message</c>, the source
/// line, a caret under the column, and the hint.
/// </summary>
internal static class DiagnosticRenderer
{
    public static string Render(Diagnostic diagnostic, string fileName, IReadOnlyList<string> sourceLines)
    {
        var sb = new StringBuilder();
        sb.Append(diagnostic.Format(fileName)).Append('\n');
        if (diagnostic.Span is { } span && span.StartLine >= 1 && span.StartLine <= sourceLines.Count)
        {
            var line = sourceLines[span.StartLine - 1].TrimEnd('\r');
            var gutter = $"{span.StartLine,5} | ";
            sb.Append(gutter).Append(line).Append('\n');
            sb.Append(new string(' ', gutter.Length - 2)).Append("| ");
            var column = Math.Clamp(span.StartColumn, 1, line.Length + 1);
            for (var i = 0; i < column - 1; i++)
            {
                sb.Append(line[i] == '\t' ? '\t' : ' ');
            }

            sb.Append("^\n");
        }

        if (diagnostic.Hint is { Length: > 0 } hint)
        {
            sb.Append("  hint: ").Append(hint).Append('\n');
        }

        return sb.ToString();
    }

    public static IReadOnlyList<string> SplitLines(string text) => text.Split('\n');
}
