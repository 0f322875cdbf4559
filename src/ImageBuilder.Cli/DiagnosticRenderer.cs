using System.IO.Abstractions;
using System.Text;
using ImageBuilder.Dockerfile;
using ImageBuilder.Dockerfile.Sources;

namespace ImageBuilder.Cli;

/// <summary>
/// Prints a diagnostic for people: <c>Dockerfile:7:5: IB1001: message</c>, the source
/// line, a caret under the column, and the hint. Messages are cut at <see cref="MaxMessageLength"/>
/// characters, control characters shown as symbols. A run prints at most <see cref="MaxPrinted"/>
/// of them, and a source line at most <see cref="MaxLineWidth"/> characters around the caret:
/// a hostile or mistaken input (megabytes of one line, a million bad lines) stays readable.
/// </summary>
internal static class DiagnosticRenderer
{
    public const int MaxPrinted = 50;

    public const int MaxLineWidth = 200;

    public const int MaxMessageLength = 500;

    public static string Render(Diagnostic diagnostic, string fileName, IReadOnlyList<string> sourceLines)
    {
        var sb = new StringBuilder();
        var heading = diagnostic.Format(fileName);
        sb.Append(Printable(heading.Length > MaxMessageLength ? heading[..MaxMessageLength] + "…" : heading)).Append('\n');
        if (diagnostic.Span is { } span && span.StartLine >= 1 && span.StartLine <= sourceLines.Count)
        {
            var line = sourceLines[span.StartLine - 1].TrimEnd('\r');
            var column = Math.Clamp(span.StartColumn, 1, line.Length + 1);
            (line, column) = Window(line, column);
            var gutter = $"{span.StartLine,5} | ";
            sb.Append(gutter).Append(Printable(line)).Append('\n');
            sb.Append(new string(' ', gutter.Length - 2)).Append("| ");
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

    /// <summary>
    /// Writes the diagnostics of one run: the first <see cref="MaxPrinted"/>, then how many more there
    /// were, then the count. A diagnostic in another file (a .dockerignore) shows that file's line.
    /// </summary>
    public static async Task WriteAllAsync(
        TextWriter stderr, IReadOnlyList<Diagnostic> diagnostics, string fileName, IReadOnlyList<string> sourceLines, IFileSystem fileSystem)
    {
        var others = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var diagnostic in diagnostics.Take(MaxPrinted))
        {
            var source = diagnostic.File is not { } other ? sourceLines
                : diagnostic.Span is null ? []
                : others.TryGetValue(other, out var read) ? read
                : others[other] = ReadLines(fileSystem, other);
            await stderr.WriteAsync(Render(diagnostic, fileName, source));
        }

        if (diagnostics.Count > MaxPrinted)
        {
            await stderr.WriteLineAsync($"… and {diagnostics.Count - MaxPrinted} more errors (only the first {MaxPrinted} are shown)");
        }

        if (diagnostics.Count > 1)
        {
            await stderr.WriteLineAsync($"{diagnostics.Count} errors");
        }
    }

    public static IReadOnlyList<string> SplitLines(string text) => text.Split('\n');

    /// <summary>Control characters other than tab and newline (a NUL, an escape sequence) shown as their Unicode pictures (␀, ␛), one for one, so a caret stays in its column and input cannot drive the terminal.</summary>
    internal static string Printable(string text)
    {
        if (!text.Any(c => c is not ('\t' or '\n') && char.IsControl(c) && c < 0x80))
        {
            return text;
        }

        return string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = c is '\t' or '\n' ? c : c < 0x20 ? (char)(0x2400 + c) : c == 0x7f ? '\u2421' : c;
            }
        });
    }

    /// <summary>At most <see cref="MaxLineWidth"/> characters of <paramref name="line"/> around <paramref name="column"/>, marked with … where cut; the column moved to match.</summary>
    private static (string Line, int Column) Window(string line, int column)
    {
        if (line.Length <= MaxLineWidth)
        {
            return (line, column);
        }

        var start = Math.Clamp(column - 1 - (MaxLineWidth / 2), 0, line.Length - MaxLineWidth);
        var prefix = start > 0 ? "…" : "";
        var suffix = start + MaxLineWidth < line.Length ? "…" : "";
        return (prefix + line.Substring(start, MaxLineWidth) + suffix, column - start + prefix.Length);
    }

    private static IReadOnlyList<string> ReadLines(IFileSystem fileSystem, string path)
    {
        try
        {
            return SplitLines(DockerfileSource.Read(fileSystem, path, "ignore file"));
        }
        catch (DockerfileException)
        {
            return [];
        }
    }
}
