using System.Text.RegularExpressions;
using ImageBuilder.Dockerfile.Syntax;

namespace ImageBuilder.Dockerfile.Checks;

/// <summary>Collects the hits of one run, applying the file's options and each instruction's own <c># check=</c> comment.</summary>
internal sealed partial class CheckContext(CheckOptions options, CheckInput input)
{
    private readonly List<CheckWarning> warnings = [];

    public CheckInput Input => input;

    public IReadOnlyList<CheckWarning> Warnings => warnings;

    public void Report(CheckRule rule, SyntaxNode? node, SourceSpan span, string message, string fixIt)
    {
        var effective = node is null ? options : OptionsFor(node);
        if (effective.Enables(rule))
        {
            warnings.Add(new CheckWarning(rule, message, span, fixIt));
        }
    }

    public void Report(CheckRule rule, SyntaxNode node, string message, string fixIt) =>
        Report(rule, node, node.Span, message, fixIt);

    /// <summary>The options with the first <c>check=…</c> comment above the instruction merged in, as BuildKit 1.21.</summary>
    private CheckOptions OptionsFor(SyntaxNode node)
    {
        foreach (var comment in node.Comments)
        {
            var match = CheckComment().Match(comment);
            if (!match.Success)
            {
                continue;
            }

            var value = match.Groups[1].Value.Trim();
            var space = value.IndexOf(' ');
            return CheckOptions.Parse(space < 0 ? value : value[..space]) is { } local ? options.Merge(local) : options;
        }

        return options;
    }

    [GeneratedRegex(@"^\s*check\s*=(.*)$", RegexOptions.IgnoreCase)]
    private static partial Regex CheckComment();
}
