using System.Text.Json;
using System.Text.RegularExpressions;
using Sprache;

namespace ImageBuilder.Dockerfile.Syntax;

/// <summary>A directive found by <see cref="DirectiveDetector"/>: its first word, the whole value, its line.</summary>
public sealed record DetectedDirective(string Value, string CommandLine, int Line);

/// <summary>
/// Reads parser directives without parsing the Dockerfile, the way a frontend picks
/// its syntax: <c># key=value</c> lines at the top (after an optional <c>#!</c> line),
/// and for <c>syntax</c> also <c>// syntax=…</c> and a JSON document <c>{"syntax": "…"}</c>.
/// </summary>
public static partial class DirectiveDetector
{
    [GeneratedRegex(@"^//\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*\z", RegexOptions.CultureInvariant)]
    private static partial Regex SlashDirective();

    /// <summary>The directives at the top of <paramref name="text"/>, in order (repeats dropped).</summary>
    public static IReadOnlyList<ParserDirective> ParseAll(string text)
    {
        var result = new List<ParserDirective>();
        var block = DockerfileGrammar.DirectiveBlock(new SourceCursor(StripBom(text)));
        foreach (var line in block.Value)
        {
            var directive = DockerfileGrammar.Directive.Parse(line.Text.TrimStart()) with { Line = line.Number };
            if (result.Any(d => d.Name == directive.Name))
            {
                break;
            }

            result.Add(directive);
        }

        return result;
    }

    /// <summary>The <c>syntax</c> directive in any of its forms, or null.</summary>
    public static DetectedDirective? DetectSyntax(string text) => Detect(ParserDirectives.Syntax, text, anyFormat: true);

    /// <summary>A directive in the <c>#</c> form only (e.g. <c>check</c>), or null.</summary>
    public static DetectedDirective? Detect(string key, string text) => Detect(key, text, anyFormat: false);

    private static DetectedDirective? Detect(string key, string text, bool anyFormat)
    {
        text = StripBom(text);
        var offset = 0;
        var newline = text.IndexOf('\n');
        var firstLine = newline < 0 ? text : text[..newline];
        if (firstLine.StartsWith("#!", StringComparison.Ordinal))
        {
            text = newline < 0 ? "" : text[(newline + 1)..];
            offset = 1;
        }

        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        if (FromLines(key, lines, offset, l => DockerfileGrammar.Directive.End().TryParse(l) is { WasSuccessful: true } r
                ? (r.Value.Name, r.Value.Value) : null) is { } hash)
        {
            return hash;
        }

        if (!anyFormat)
        {
            return null;
        }

        if (FromLines(key, lines, offset, l => SlashDirective().Match(l) is { Success: true } m
                ? (m.Groups[1].Value.ToLowerInvariant(), m.Groups[2].Value) : null) is { } slash)
        {
            return slash;
        }

        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String)
            {
                var v = value.GetString() ?? "";
                return new DetectedDirective(v, v, offset);
            }
        }
        catch (JsonException)
        {
            // Not a JSON document: no directive in that form.
        }

        return null;
    }

    private static DetectedDirective? FromLines(
        string key, IReadOnlyList<string> lines, int offset, Func<string, (string Name, string Value)?> match)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Count; i++)
        {
            if (match(lines[i]) is not { } directive || !ParserDirectives.Known.Contains(directive.Name)
                || !seen.Add(directive.Name))
            {
                return null;
            }

            if (directive.Name == key)
            {
                var first = directive.Value.Split(' ', 2)[0];
                return new DetectedDirective(first, directive.Value, offset + i + 1);
            }
        }

        return null;
    }

    private static string StripBom(string text) => text.StartsWith('\uFEFF') ? text[1..] : text;
}
