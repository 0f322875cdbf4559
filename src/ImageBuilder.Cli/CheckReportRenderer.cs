using System.Text;
using ImageBuilder.Dockerfile.Checks;

namespace ImageBuilder.Cli;

/// <summary>
/// Prints build-check hits for people: <c>Dockerfile:3:1: warning: RULE: reason</c>, the source
/// line, and the fix; then, when <c>check=error=true</c> makes them fatal, which rules fired.
/// As many as <see cref="DiagnosticRenderer.MaxPrinted"/>, each cut and made printable as diagnostics are.
/// </summary>
internal static class CheckReportRenderer
{
    public static string Render(CheckWarning warning, string fileName, IReadOnlyList<string> sourceLines)
    {
        var sb = new StringBuilder();
        sb.Append(Cut(warning.Format(fileName))).Append('\n');
        var line = warning.Span.StartLine;
        if (line >= 1 && line <= sourceLines.Count)
        {
            var text = sourceLines[line - 1].TrimEnd('\r');
            sb.Append($"{line,5} | ").Append(Cut(text.Length > DiagnosticRenderer.MaxLineWidth ? text[..DiagnosticRenderer.MaxLineWidth] : text)).Append('\n');
        }

        sb.Append("  fix: ").Append(Cut(warning.FixIt)).Append('\n');
        return sb.ToString();
    }

    public static async Task WriteAsync(TextWriter writer, CheckReport report, string fileName, IReadOnlyList<string> sourceLines)
    {
        foreach (var warning in report.Warnings.Take(DiagnosticRenderer.MaxPrinted))
        {
            await writer.WriteAsync(Render(warning, fileName, sourceLines));
        }

        if (report.Warnings.Count > DiagnosticRenderer.MaxPrinted)
        {
            await writer.WriteLineAsync($"… and {report.Warnings.Count - DiagnosticRenderer.MaxPrinted} more warnings");
        }

        if (report.Failed)
        {
            await writer.WriteLineAsync($"{fileName}: error: {report.FailureMessage} (check=error=true)");
        }
    }

    private static string Cut(string text) =>
        DiagnosticRenderer.Printable(text.Length > DiagnosticRenderer.MaxMessageLength ? text[..DiagnosticRenderer.MaxMessageLength] + "…" : text);
}
