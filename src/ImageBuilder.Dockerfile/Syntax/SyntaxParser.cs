using Sprache;

namespace ImageBuilder.Dockerfile.Syntax;

/// <summary>
/// Turns Dockerfile text into a <see cref="SyntaxTree"/> (the generic syntax level):
/// directives, comments, continuations, heredocs and each instruction's arguments.
/// Every problem found is collected; the first call that cannot go on stops.
/// </summary>
public static class SyntaxParser
{
    private static readonly HashSet<string> HeredocKeywords = new(StringComparer.Ordinal) { "add", "copy", "run" };

    /// <exception cref="DockerfileException">The text is not a valid Dockerfile.</exception>
    public static SyntaxTree Parse(string text)
    {
        var diagnostics = new List<Diagnostic>();
        var tree = Parse(text, diagnostics);
        if (diagnostics.Count > 0)
        {
            throw new DockerfileException(diagnostics);
        }

        return tree;
    }

    /// <summary>Parses as far as possible, adding each problem to <paramref name="diagnostics"/>.</summary>
    public static SyntaxTree Parse(string text, List<Diagnostic> diagnostics)
    {
        if (text.StartsWith('\uFEFF'))
        {
            text = text[1..];
        }

        var parsed = DockerfileGrammar.Dockerfile(new SourceCursor(text)).Value;
        diagnostics.AddRange(parsed.Diagnostics);
        return parsed.Tree;
    }

    internal static (IReadOnlyList<ParserDirective>, char) ReadDirectives(
        IReadOnlyList<PhysicalLine> lines, List<Diagnostic> diagnostics)
    {
        var directives = new List<ParserDirective>();
        var escape = '\\';
        foreach (var line in lines)
        {
            var directive = DockerfileGrammar.Directive.Parse(line.Text.TrimStart()) with { Line = line.Number };
            var column = line.Text.Length - line.Text.TrimStart().Length + 1;
            if (directives.Any(d => d.Name == directive.Name))
            {
                diagnostics.Add(new Diagnostic(ErrorCode.InvalidDirective,
                    $"only one {directive.Name} parser directive can be used", SourceSpan.At(line.Number, column),
                    "remove the repeated directive"));
                continue;
            }

            directives.Add(directive);
            if (directive.Name == ParserDirectives.Check && ParserDirectives.CheckOptionError(directive.Value) is { } problem)
            {
                diagnostics.Add(new Diagnostic(ErrorCode.InvalidDirective, $"invalid check option \"{directive.Value}\": {problem}",
                    SourceSpan.At(line.Number, column), "write # check=skip=<rule,…|all>;error=true|false;experimental=<rule,…|all>"));
            }

            if (directive.Name == ParserDirectives.Escape)
            {
                if (ParserDirectives.IsValidEscape(directive.Value))
                {
                    escape = directive.Value[0];
                }
                else
                {
                    diagnostics.Add(new Diagnostic(ErrorCode.InvalidDirective,
                        $"invalid escape token '{directive.Value}' does not match ` or \\",
                        SourceSpan.At(line.Number, column), "use # escape=\\ or # escape=`"));
                }
            }
        }

        return (directives, escape);
    }

    internal static SyntaxNode? BuildNode(
        LogicalLine line, string text, int offset, char escape, List<Diagnostic> diagnostics, bool isTrigger = false)
    {
        var parsed = DockerfileGrammar.Instruction.TryParse(text);
        if (!parsed.WasSuccessful)
        {
            // Only blanks after joining continuations: BuildKit makes an empty instruction of
            // it, which then fails as unknown. Say what happened instead.
            diagnostics.Add(new Diagnostic(ErrorCode.UnknownInstruction,
                "unknown instruction: the line continues into nothing (an empty instruction)",
                line.Locate(offset), $"remove the trailing {escape} or put an instruction after it"));
            return null;
        }

        var head = parsed.Value;
        var keyword = head.Keyword.ToLowerInvariant();
        var keywordOffset = offset + (text.Length - text.TrimStart().Length);
        var argumentOffset = head.Rest.Length == 0 ? offset + text.TrimEnd().Length : offset + head.RestOffset;
        var shape = ArgumentParsers.ShapeOf(keyword);
        var end = line.Locate(Math.Max(0, line.Text.Length - 1));
        var node = new SyntaxNode
        {
            Keyword = keyword,
            KeywordAsWritten = head.Keyword,
            Original = text,
            Flags = head.Flags,
            ArgumentText = head.Rest,
            Comments = offset == 0 ? line.Comments : [],
            Span = line.Locate(keywordOffset) with { EndLine = line.EndLine, EndColumn = end.EndColumn },
            ArgumentSpan = line.Locate(argumentOffset),
        };

        try
        {
            if (shape == ArgumentParsers.Shape.SubCommand)
            {
                // ONBUILD wraps one instruction. A trigger that is itself ONBUILD is kept without
                // its own trigger: chaining is an error anyway, and long chains must not recurse.
                if (head.Rest.Length == 0 || isTrigger)
                {
                    return node;
                }

                var trigger = BuildNode(line, head.Rest, argumentOffset, escape, diagnostics, isTrigger: true);
                return trigger is null ? null : node with { Trigger = trigger };
            }

            var (args, isJson) = ArgumentParsers.Split(shape, head.Rest, escape, keyword);
            return node with
            {
                Arguments = args,
                IsJson = isJson,
                ArgumentSpans = isJson ? [] : LocateArguments(line, head.Rest, argumentOffset, args),
            };
        }
        catch (ArgumentSyntaxException e)
        {
            var span = e.Offset is { } at ? line.Locate(argumentOffset + at) : node.ArgumentSpan;
            diagnostics.Add(new Diagnostic(e.Code, e.Message, span, e.Hint));
            return null;
        }
    }

    /// <summary>Where each argument starts, found in order in the argument text (quotes are kept
    /// in the arguments of shell-form lines, so each one appears there as written).</summary>
    private static IReadOnlyList<SourceSpan> LocateArguments(LogicalLine line, string rest, int restOffset, IReadOnlyList<string> args)
    {
        var spans = new List<SourceSpan>(args.Count);
        var cursor = 0;
        var last = line.Locate(restOffset);
        foreach (var arg in args)
        {
            var at = arg.Length == 0 || arg == "=" ? -1 : rest.IndexOf(arg, cursor, StringComparison.Ordinal);
            if (at >= 0)
            {
                last = line.Locate(restOffset + at);
                cursor = at + arg.Length;
            }

            spans.Add(last);
        }

        return spans;
    }

    internal static bool CanContainHeredoc(SyntaxNode node)
    {
        if (node.Keyword == "onbuild" && node.Trigger is { } trigger)
        {
            node = trigger;
        }

        return HeredocKeywords.Contains(node.Keyword) && !node.IsJson;
    }

    internal static (SyntaxNode? Node, IInput Remainder) ReadHeredocs(
        SyntaxNode node, LogicalLine line, IInput remainder, List<Diagnostic> diagnostics)
    {
        IReadOnlyList<Heredoc> markers;
        try
        {
            markers = HeredocMarkers.FromLine(line.Text);
        }
        catch (ArgumentSyntaxException e)
        {
            diagnostics.Add(new Diagnostic(e.Code, e.Message, node.ArgumentSpan, e.Hint));
            return (node, remainder);
        }

        var heredocs = new List<Heredoc>();
        var endLine = node.Span.EndLine;
        foreach (var marker in markers)
        {
            var body = DockerfileGrammar.HeredocBody(marker.Name, marker.Chomp)(remainder);
            remainder = body.Remainder;
            endLine = Math.Max(endLine, body.Value.EndLine);
            if (!body.Value.Terminated)
            {
                diagnostics.Add(new Diagnostic(ErrorCode.UnterminatedHeredoc,
                    $"unterminated heredoc: no line \"{marker.Name}\" ends the heredoc started here",
                    node.Span, $"add a line containing only {marker.Name}" + (marker.Chomp ? " (tabs before it are allowed)" : "")));
                return (null, remainder);
            }

            heredocs.Add(marker with { Content = body.Value.Content });
        }

        return (node with { Heredocs = heredocs, Span = node.Span with { EndLine = endLine } }, remainder);
    }
}
