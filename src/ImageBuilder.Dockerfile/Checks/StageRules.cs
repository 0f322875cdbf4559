using ImageBuilder.Dockerfile.Syntax;

namespace ImageBuilder.Dockerfile.Checks;

/// <summary>The rules about stages and keywords as a whole: names, casing, empty continuations.</summary>
internal static class StageRules
{
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal) { "context", "scratch" };

    public static void Run(SyntaxTree tree, IReadOnlyList<CheckedStage> stages, CheckContext context)
    {
        EmptyContinuations(tree, context);
        Casing(tree, context);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stage in stages)
        {
            if (stage.From is { } from)
            {
                FromLine(from.Syntax, seen, context);
            }
        }
    }

    private static void EmptyContinuations(SyntaxTree tree, CheckContext context)
    {
        foreach (var warning in tree.Warnings)
        {
            var line = warning.Span.EndLine;
            var node = tree.Nodes.FirstOrDefault(n => n.Span.StartLine <= line && line <= n.Span.EndLine);
            context.Report(CheckRules.NoEmptyContinuation, node, SourceSpan.At(line),
                "an empty line inside a continuation ends nothing and is deprecated",
                "delete the empty line (or make it a comment)");
        }
    }

    private static void Casing(SyntaxTree tree, CheckContext context)
    {
        var majorityLower = MajorityLower(tree);
        foreach (var node in tree.Nodes)
        {
            var wanted = majorityLower ? node.KeywordAsWritten.ToLowerInvariant() : node.KeywordAsWritten.ToUpperInvariant();
            if (wanted != node.KeywordAsWritten)
            {
                context.Report(CheckRules.ConsistentInstructionCasing, node,
                    $"'{node.KeywordAsWritten}' is not {(majorityLower ? "lowercase" : "uppercase")} like most instructions in this file",
                    $"write '{wanted}'");
            }
        }
    }

    /// <summary>Whether most keywords are written in lower case (ties go to upper case), as BuildKit decides.</summary>
    internal static bool MajorityLower(SyntaxTree tree)
    {
        var keywords = tree.Nodes.Select(n => n.KeywordAsWritten).ToList();
        var lower = keywords.Count(k => k == k.ToLowerInvariant() && k != k.ToUpperInvariant());
        var upper = keywords.Count(k => k == k.ToUpperInvariant());
        return lower > upper;
    }

    private static void FromLine(SyntaxNode from, HashSet<string> seen, CheckContext context)
    {
        if (from.Arguments.Count != 3)
        {
            return;
        }

        var (keyword, asWord, name) = (from.KeywordAsWritten, from.Arguments[1], from.Arguments[2]);
        if (name != name.ToLowerInvariant())
        {
            context.Report(CheckRules.StageNameCasing, from, $"stage name '{name}' has upper-case letters",
                $"name the stage '{name.ToLowerInvariant()}' (and its references)");
        }

        var keywordLower = keyword == keyword.ToLowerInvariant();
        var keywordUpper = keyword == keyword.ToUpperInvariant();
        if ((keywordLower && asWord != asWord.ToLowerInvariant()) || (keywordUpper && !keywordLower && asWord != asWord.ToUpperInvariant()))
        {
            var wanted = keywordLower ? "as" : "AS";
            context.Report(CheckRules.FromAsCasing, from, $"'{asWord}' is cased differently from '{keyword}'", $"write '{wanted}'");
        }

        if (Reserved.Contains(name))
        {
            context.Report(CheckRules.ReservedStageName, from, $"'{name}' is a reserved name and cannot be used to refer to this stage",
                "choose another stage name");
        }

        if (!seen.Add(name))
        {
            context.Report(CheckRules.DuplicateStageName, from, $"a stage named '{name}' is already defined above",
                "give each stage its own name");
        }
    }
}
