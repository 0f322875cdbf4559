namespace ImageBuilder.Dockerfile.Ignore;

/// <summary>Zero-width assertions of Go's regexp syntax (compiled with the Perl flags).</summary>
internal enum Anchor : byte
{
    BeginText,
    EndText,
    WordBoundary,
    NotWordBoundary,
}

internal abstract record RegexNode;

internal sealed record RuneNode(RuneClass Class) : RegexNode;

internal sealed record AnchorNode(Anchor Kind) : RegexNode;

internal sealed record SequenceNode(IReadOnlyList<RegexNode> Items) : RegexNode;

/// <summary>'*' (Min 0, unbounded), '+' (Min 1, unbounded) or '?' (Min 0, at most one).</summary>
internal sealed record RepeatNode(RegexNode Item, int Min, bool Unbounded) : RegexNode;
