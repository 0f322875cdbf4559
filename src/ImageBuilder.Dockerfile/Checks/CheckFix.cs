namespace ImageBuilder.Dockerfile.Checks;

/// <summary>One warning that <see cref="CheckFixer"/> fixed: its rule and the line of its instruction.</summary>
public sealed record AppliedFix(CheckRule Rule, int Line);

/// <summary>The rewritten text and the fixes made in it, in file order.</summary>
public sealed record FixResult(string Text, IReadOnlyList<AppliedFix> Fixed);
