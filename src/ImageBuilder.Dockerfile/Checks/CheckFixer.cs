using ImageBuilder.Dockerfile.Syntax;

namespace ImageBuilder.Dockerfile.Checks;

/// <summary>
/// <c>ibuild check --fix</c>: rewrites the warnings of the mechanical rules (<see cref="Fixable"/>)
/// as edits on the original text, each at the place the syntax tree gives and only where the text
/// there is what the tree says; everything else stays byte for byte. A warning whose rewrite would
/// not be exact (see <see cref="CheckFixRules"/>) is left, and stays a warning.
/// </summary>
public static class CheckFixer
{
    /// <summary>The rules --fix rewrites (StageNameCasing with every reference to the stage).</summary>
    public static readonly IReadOnlyList<CheckRule> Fixable =
    [
        CheckRules.MaintainerDeprecated, CheckRules.ConsistentInstructionCasing, CheckRules.FromAsCasing,
        CheckRules.LegacyKeyValueFormat, CheckRules.JsonArgsRecommended, CheckRules.StageNameCasing,
    ];

    public static FixResult Fix(string text, SyntaxTree tree, CheckReport report)
    {
        var source = new SourceText(text);
        var accepted = new List<(int Offset, TextEdit Edit)>();
        var fixes = new List<AppliedFix>();
        var candidates = CheckFixRules.Candidates(tree, report)
            .OrderBy(c => Fixable.ToList().IndexOf(c.Warning.Rule));
        foreach (var (warning, edits) in candidates)
        {
            var placed = edits.Select(e => (Offset: source.Offset(e.Line, e.Column), Edit: e)).ToList();
            if (placed.Count == 0 || !placed.All(p => Matches(source.Text, p.Offset, p.Edit.Expected))
                || placed.Any(p => accepted.Any(a => Overlap(a.Offset, a.Edit, p.Offset, p.Edit))))
            {
                continue;
            }

            accepted.AddRange(placed);
            fixes.Add(new AppliedFix(warning.Rule, warning.Span.StartLine));
        }

        var result = new System.Text.StringBuilder(text);
        foreach (var (offset, edit) in accepted.OrderByDescending(a => a.Offset))
        {
            result.Remove(offset, edit.Expected.Length).Insert(offset, edit.Replacement);
        }

        return new FixResult(result.ToString(), fixes.OrderBy(f => f.Line).ThenBy(f => f.Rule.Name, StringComparer.Ordinal).ToList());
    }

    private static bool Matches(string text, int offset, string expected) =>
        offset >= 0 && expected.Length > 0 && offset + expected.Length <= text.Length
        && string.CompareOrdinal(text, offset, expected, 0, expected.Length) == 0;

    private static bool Overlap(int a, TextEdit first, int b, TextEdit second) =>
        a < b + second.Expected.Length && b < a + first.Expected.Length;
}
