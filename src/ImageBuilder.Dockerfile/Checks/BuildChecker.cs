using ImageBuilder.Dockerfile.Syntax;

namespace ImageBuilder.Dockerfile.Checks;

/// <summary>
/// Runs BuildKit's build checks over a Dockerfile's syntax tree: the syntactic rules
/// (<see cref="InstructionRules"/>, <see cref="StageRules"/>) and the ones that follow ARG and ENV
/// scoping (<see cref="VariableRules"/>). Every stage is checked, as BuildKit's lint request does.
/// Instructions that do not parse are checked by their syntax only; the parser reports their errors.
/// </summary>
public static class BuildChecker
{
    public static CheckReport Run(SyntaxTree tree, CheckInput? input = null)
    {
        input ??= CheckInput.Default;
        var options = FileOptions(tree, input);
        var context = new CheckContext(options, input);
        var stages = CheckedStage.Split(tree);

        StageRules.Run(tree, stages, context);
        InstructionRules.Run(stages, context);
        VariableRules.Run(stages, context);
        CopyIgnoredRule.Run(stages, context);

        var warnings = context.Warnings
            .OrderBy(w => w.Span.StartLine).ThenBy(w => w.Span.StartColumn).ThenBy(w => w.Message, StringComparer.Ordinal)
            .ToList();
        return new CheckReport(warnings, options.Error);
    }

    /// <summary>The file's <c># check=</c> directive, or the option given from outside, which replaces it.</summary>
    private static CheckOptions FileOptions(SyntaxTree tree, CheckInput input)
    {
        var text = input.CheckOption
            ?? tree.Directives.LastOrDefault(d => d.Name == ParserDirectives.Check)?.Value;
        return text is null ? CheckOptions.Default : CheckOptions.Parse(text) ?? CheckOptions.Default;
    }
}
