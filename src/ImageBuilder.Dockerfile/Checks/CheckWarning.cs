namespace ImageBuilder.Dockerfile.Checks;

/// <summary>One rule hit: where (the instruction's start), why, and how to fix it.</summary>
public sealed record CheckWarning(CheckRule Rule, string Message, SourceSpan Span, string FixIt)
{
    /// <summary><c>Dockerfile:3:1: warning: JSONArgsRecommended: reason</c>.</summary>
    public string Format(string fileName) => $"{fileName}:{Span.StartLine}:{Span.StartColumn}: warning: {Rule.Name}: {Message}";
}

/// <summary>The hits of one run, in file order, and whether <c>error=true</c> turns them into a failure.</summary>
public sealed record CheckReport(IReadOnlyList<CheckWarning> Warnings, bool ErrorOnWarning)
{
    public static readonly CheckReport Empty = new([], false);

    public bool Failed => ErrorOnWarning && Warnings.Count > 0;

    /// <summary>BuildKit's failure text: the rules that fired, each once.</summary>
    public string FailureMessage =>
        "lint violation found for rules: " + string.Join(", ", Warnings.Select(w => w.Rule.Name).Distinct());
}
