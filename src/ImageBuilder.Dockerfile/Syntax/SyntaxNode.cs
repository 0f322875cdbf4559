namespace ImageBuilder.Dockerfile.Syntax;

/// <summary>A heredoc attached to a RUN, COPY or ADD line. Content is raw (not chomped).</summary>
public sealed record Heredoc(string Name, string Content, bool Expand, bool Chomp, int FileDescriptor);

/// <summary>A parser directive (<c># syntax=…</c>, <c># escape=…</c>, <c># check=…</c>).</summary>
public sealed record ParserDirective(string Name, string Value, int Line);

/// <summary>A problem that does not stop the build (e.g. an empty continuation line).</summary>
public sealed record SyntaxWarning(string Message, SourceSpan Span);

/// <summary>
/// One instruction as written: the generic syntax level, before any instruction
/// semantics. It mirrors BuildKit's parser node: a keyword, its builder flags and
/// its arguments split the way that instruction splits them.
/// </summary>
public sealed record SyntaxNode
{
    /// <summary>The keyword, lower-cased (<c>run</c>, <c>copy</c>, or an unknown word).</summary>
    public required string Keyword { get; init; }

    /// <summary>The keyword as written.</summary>
    public required string KeywordAsWritten { get; init; }

    /// <summary>The logical line, continuations joined.</summary>
    public required string Original { get; init; }

    public IReadOnlyList<string> Flags { get; init; } = [];

    /// <summary>
    /// The arguments. For ENV and LABEL they come in triples: name, value, separator
    /// ("=" for <c>k=v</c>, "" for the legacy <c>k v</c> form).
    /// </summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>The text after the keyword and flags, trimmed.</summary>
    public string ArgumentText { get; init; } = "";

    /// <summary>The instruction wrapped by ONBUILD.</summary>
    public SyntaxNode? Trigger { get; init; }

    /// <summary>True when the arguments were written in exec (JSON array) form.</summary>
    public bool IsJson { get; init; }

    public IReadOnlyList<Heredoc> Heredocs { get; init; } = [];

    /// <summary>The comment lines directly above the instruction.</summary>
    public IReadOnlyList<string> Comments { get; init; } = [];

    /// <summary>From the keyword to the end of the last line (heredoc bodies included).</summary>
    public SourceSpan Span { get; init; }

    /// <summary>Where the argument text starts in the source.</summary>
    public SourceSpan ArgumentSpan { get; init; }

    /// <summary>Where each of <see cref="Arguments"/> starts (empty for exec form, whose strings
    /// are decoded JSON); use <see cref="LocateArgument"/>.</summary>
    public IReadOnlyList<SourceSpan> ArgumentSpans { get; init; } = [];

    /// <summary>Where argument <paramref name="index"/> starts, or the argument text's start.</summary>
    public SourceSpan LocateArgument(int index) =>
        index >= 0 && index < ArgumentSpans.Count ? ArgumentSpans[index] : ArgumentSpan;
}

/// <summary>The syntax tree of a whole Dockerfile.</summary>
public sealed record SyntaxTree(
    IReadOnlyList<SyntaxNode> Nodes,
    IReadOnlyList<ParserDirective> Directives,
    char EscapeToken,
    IReadOnlyList<SyntaxWarning> Warnings)
{
    public int StartLine => Nodes.Count > 0 ? Nodes[0].Span.StartLine : 0;

    public int EndLine => Nodes.Count > 0 ? Nodes[^1].Span.EndLine : 0;
}
