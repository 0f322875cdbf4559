using System.Text;

namespace ImageBuilder.Dockerfile.Syntax;

/// <summary>
/// Prints a syntax tree in BuildKit's dump format: one
/// <c>(keyword ["--flags"] "args"…)</c> line per instruction.
/// </summary>
public static class SyntaxDump
{
    public static string Dump(SyntaxTree tree)
    {
        var sb = new StringBuilder();
        foreach (var node in tree.Nodes)
        {
            sb.Append('(').Append(Dump(node)).Append(")\n");
        }

        return sb.ToString();
    }

    public static string Dump(SyntaxNode node)
    {
        var sb = new StringBuilder(node.Keyword);
        if (node.Flags.Count > 0)
        {
            sb.Append(' ').Append(GoQuote.QuoteList(node.Flags));
        }

        foreach (var argument in node.Arguments)
        {
            sb.Append(' ').Append(GoQuote.Quote(argument));
        }

        if (node.Trigger is { } trigger)
        {
            sb.Append(" (").Append(Dump(trigger)).Append(')');
        }

        return sb.ToString().Trim();
    }
}
