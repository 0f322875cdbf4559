using Sprache;

namespace ImageBuilder.Dockerfile.Syntax;

/// <summary>A physical line: its text without the line ending, and its 1-based number.</summary>
internal readonly record struct PhysicalLine(string Raw, string Text, int Number);

/// <summary>
/// An instruction's text with its continuations joined, and where each piece came
/// from so that an offset in <see cref="Text"/> maps back to a line and column.
/// </summary>
internal sealed record LogicalLine(
    string Text,
    int StartLine,
    int EndLine,
    bool HasEmptyContinuation,
    IReadOnlyList<string> Comments,
    IReadOnlyList<LineSegment> Segments)
{
    public SourceSpan Locate(int offset)
    {
        var segment = Segments[0];
        foreach (var s in Segments)
        {
            if (s.Offset > offset)
            {
                break;
            }

            segment = s;
        }

        return SourceSpan.At(segment.Line, segment.Column + Math.Max(0, offset - segment.Offset));
    }
}

/// <summary>Text starting at <see cref="Offset"/> of a logical line came from this line and column.</summary>
internal readonly record struct LineSegment(int Offset, int Line, int Column);

/// <summary>A heredoc body: its lines up to the terminator, or the end of the file.</summary>
internal sealed record HeredocBody(string Content, bool Terminated, int EndLine);

internal static partial class DockerfileGrammar
{
    // physical_line = { any - newline } , [ newline ] ;
    public static readonly Parser<PhysicalLine> PhysicalLine = input =>
    {
        if (input.AtEnd)
        {
            return Result.Failure<PhysicalLine>(input, "end of input", ["a line"]);
        }

        var cursor = input as SourceCursor ?? new SourceCursor(input.Source, input.Position, input.Line, input.Column);
        var next = cursor.NextLine(out var raw);
        return Result.Success(new PhysicalLine(raw, raw.TrimEnd('\r', '\n'), cursor.Line), next);
    };

    // directive_block = { directive , newline } ;  (only at the top of the file)
    public static readonly Parser<IReadOnlyList<PhysicalLine>> DirectiveBlock = input =>
    {
        var lines = new List<PhysicalLine>();
        var remainder = input;
        while (true)
        {
            var line = PhysicalLine(remainder);
            if (!line.WasSuccessful)
            {
                break;
            }

            var directive = Directive.End().TryParse(line.Value.Text.TrimStart());
            if (!directive.WasSuccessful || !ParserDirectives.Known.Contains(directive.Value.Name))
            {
                break;
            }

            lines.Add(line.Value);
            remainder = line.Remainder;
        }

        return Result.Success<IReadOnlyList<PhysicalLine>>(lines, remainder);
    };

    /// <summary>The continuation rule: the line ends with the escape token (trailing blanks allowed)
    /// that is not itself escaped. Returns the line without it.</summary>
    // continuation = [ ? any but escape ? ] , escape , { " " | "\t" } , end ;
    public static Parser<string> Continuation(char escape) => input =>
    {
        var text = input.Source[input.Position..];
        var end = text.Length;
        while (end > 0 && text[end - 1] is ' ' or '\t')
        {
            end--;
        }

        if (end > 0 && text[end - 1] == escape && (end == 1 || text[end - 2] != escape))
        {
            var kept = text[..(end - 1)];
            return Result.Success(kept, new SourceCursor(input.Source, input.Source.Length));
        }

        return Result.Failure<string>(input, "no continuation", [escape + " at the end of the line"]);
    };

    // logical_line = first_line , { comment_line | empty_line | continuation_line } ;
    public static Parser<LogicalLine?> LogicalLine(char escape) => input =>
    {
        var continuation = Continuation(escape);
        var comments = new List<string>();
        var remainder = input;
        while (true)
        {
            var first = PhysicalLine(remainder);
            if (!first.WasSuccessful)
            {
                return Result.Success<LogicalLine?>(null, remainder);
            }

            remainder = first.Remainder;
            var physical = first.Value;
            var trimmed = physical.Text.TrimStart();
            if (CommentLine.TryParse(trimmed).WasSuccessful)
            {
                var comment = physical.Raw.Length > 1 ? physical.Raw[1..].Trim() : "";
                if (comment.Length == 0)
                {
                    comments.Clear();
                }
                else
                {
                    comments.Add(comment);
                }

                continue;
            }

            var column = physical.Text.Length - trimmed.Length + 1;
            var segments = new List<LineSegment> { new(0, physical.Number, column) };
            var cont = continuation.TryParse(trimmed);
            var text = cont.WasSuccessful ? cont.Value : trimmed;
            if (!cont.WasSuccessful && text.Length == 0)
            {
                continue;
            }

            var endLine = physical.Number;
            var hasEmpty = false;
            var open = cont.WasSuccessful;
            var builder = new System.Text.StringBuilder(text);
            while (open)
            {
                var next = PhysicalLine(remainder);
                if (!next.WasSuccessful)
                {
                    break;
                }

                remainder = next.Remainder;
                endLine = next.Value.Number;
                var lineText = next.Value.Text;
                if (CommentLine.TryParse(lineText.TrimStart()).WasSuccessful)
                {
                    continue;
                }

                if (EmptyLine.TryParse(lineText).WasSuccessful)
                {
                    hasEmpty = true;
                    continue;
                }

                segments.Add(new LineSegment(builder.Length, next.Value.Number, 1));
                var more = continuation.TryParse(lineText);
                open = more.WasSuccessful;
                builder.Append(open ? more.Value : lineText);
            }

            return Result.Success<LogicalLine?>(
                new LogicalLine(builder.ToString(), physical.Number, endLine, hasEmpty, comments, segments),
                remainder);
        }
    };

    // heredoc_body = { physical_line - terminator } , terminator ;
    public static Parser<HeredocBody> HeredocBody(string terminator, bool chomp) => input =>
    {
        var content = new System.Text.StringBuilder();
        var remainder = input;
        var lastLine = input.Line - 1;
        while (true)
        {
            var line = PhysicalLine(remainder);
            if (!line.WasSuccessful)
            {
                return Result.Success(new HeredocBody(content.ToString(), false, lastLine), remainder);
            }

            remainder = line.Remainder;
            lastLine = line.Value.Number;
            var candidate = chomp ? line.Value.Text.TrimStart('\t') : line.Value.Text;
            if (candidate == terminator)
            {
                return Result.Success(new HeredocBody(content.ToString(), true, lastLine), remainder);
            }

            content.Append(line.Value.Raw);
        }
    };
}
