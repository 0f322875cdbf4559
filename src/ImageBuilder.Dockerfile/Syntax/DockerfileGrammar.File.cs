using Sprache;

namespace ImageBuilder.Dockerfile.Syntax;

/// <summary>A whole file's syntax tree and the problems met while reading it.</summary>
internal sealed record ParsedDockerfile(SyntaxTree Tree, IReadOnlyList<Diagnostic> Diagnostics);

internal static partial class DockerfileGrammar
{
    // dockerfile = directive_block , { logical_line , { heredoc_body } } ;
    public static readonly Parser<ParsedDockerfile> Dockerfile = input =>
    {
        var diagnostics = new List<Diagnostic>();
        var block = DirectiveBlock!(input);
        var (directives, escape) = SyntaxParser.ReadDirectives(block.Value!, diagnostics);

        var nodes = new List<SyntaxNode>();
        var warnings = new List<SyntaxWarning>();
        var logicalLine = LogicalLine(escape);
        var remainder = block.Remainder;
        while (true)
        {
            var result = logicalLine(remainder);
            remainder = result.Remainder;
            if (result.Value is not { } line)
            {
                break;
            }

            if (line.HasEmptyContinuation)
            {
                warnings.Add(new SyntaxWarning("Empty continuation line found in: " + line.Text,
                    new SourceSpan(line.StartLine, 1, line.EndLine, 1)));
            }

            if (SyntaxParser.BuildNode(line, line.Text, 0, escape, diagnostics) is not { } node)
            {
                continue;
            }

            if (SyntaxParser.CanContainHeredoc(node) && line.Text.Contains("<<", StringComparison.Ordinal))
            {
                var (withHeredocs, afterHeredocs) = SyntaxParser.ReadHeredocs(node, line, remainder, diagnostics);
                remainder = afterHeredocs;
                if (withHeredocs is null)
                {
                    break;
                }

                node = withHeredocs;
            }

            nodes.Add(node);
        }

        if (nodes.Count == 0 && diagnostics.Count == 0)
        {
            diagnostics.Add(new Diagnostic(ErrorCode.NoInstructions, "file with no instructions",
                SourceSpan.At(Math.Max(1, remainder.Column == 1 ? remainder.Line - 1 : remainder.Line)), "a Dockerfile needs at least a FROM instruction"));
        }

        return Result.Success(new ParsedDockerfile(new SyntaxTree(nodes, directives, escape, warnings), diagnostics), remainder);
    };

    // heredoc_marker = { digit } , "<<" , [ "-" ] , heredoc_name ;   heredoc_name = ( any - "<" ) , { any - "<" } ;
    public static readonly Parser<(string Fd, bool Chomp, string Name)> HeredocMarker =
        from fd in Parse.Char(char.IsAsciiDigit, "digit").Many().Text()
        from open in Parse.String("<<")
        from chomp in Parse.Char('-').Optional()
        from name in Parse.CharExcept('<').AtLeastOnce().Text()
        from end in Parse.Return(0).End()
        select (fd, chomp.IsDefined, name);
}
