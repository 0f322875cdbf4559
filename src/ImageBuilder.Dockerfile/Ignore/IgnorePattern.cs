using ImageBuilder.Dockerfile.Paths;

namespace ImageBuilder.Dockerfile.Ignore;

/// <summary>One compiled pattern of a <see cref="PatternMatcher"/>.</summary>
public sealed class IgnorePattern
{
    private readonly string raw;
    private readonly MatchKind kind;
    private readonly string literal;
    private readonly RegexProgram? program;

    private IgnorePattern(string raw, string text, bool exclusion, int sourceIndex, MatchKind kind, string literal, RegexProgram? program)
    {
        this.raw = raw;
        Text = text;
        IsExclusion = exclusion;
        SourceIndex = sourceIndex;
        ElementCount = SlashPath.ElementCount(text);
        this.kind = kind;
        this.literal = literal;
        this.program = program;
    }

    /// <summary>The cleaned pattern, without its "!" prefix.</summary>
    public string Text { get; }

    /// <summary>True for a "!" pattern, which re-includes what earlier patterns excluded.</summary>
    public bool IsExclusion { get; }

    /// <summary>Position of the pattern in the list the matcher was built from.</summary>
    public int SourceIndex { get; }

    /// <summary>Number of '/'-separated elements of <see cref="Text"/>.</summary>
    internal int ElementCount { get; }

    public override string ToString() => IsExclusion ? "!" + Text : Text;

    /// <summary>
    /// Cleans and checks one raw pattern; null for a blank one, which docker skips.
    /// Trims white space, applies <see cref="Paths.GoPath.Clean"/> (to the text with its
    /// "!"), takes off the "!" and then one leading '/' (patterns are relative to the
    /// context, as the .dockerignore reader already makes them).
    /// </summary>
    internal static IgnorePattern? Create(string raw, int sourceIndex)
    {
        var text = GoText.TrimSpace(raw);
        if (text.Length == 0)
        {
            return null;
        }

        text = GoPath.Clean(text);
        var exclusion = text[0] == '!';
        if (exclusion)
        {
            if (text.Length == 1)
            {
                throw new IgnorePatternException(IgnorePatternError.IllegalExclusion, raw, sourceIndex);
            }

            text = text[1..];
        }

        if (text.Length > 1 && text[0] == '/')
        {
            text = text[1..];
        }

        var runes = GoText.ToRunes(text);
        if (!FilePathMatch.IsValid(runes))
        {
            throw new IgnorePatternException(IgnorePatternError.Syntax, raw, sourceIndex);
        }

        var (kind, regex) = PatternCompiler.Translate(runes);
        return kind switch
        {
            MatchKind.Exact => new(raw, text, exclusion, sourceIndex, kind, text, null),
            MatchKind.Prefix => new(raw, text, exclusion, sourceIndex, kind, text[..^2], null),
            MatchKind.Suffix => new(raw, text, exclusion, sourceIndex, kind, SuffixOf(text), null),
            // A regex Go cannot compile leaves the program null: matching reports it.
            _ => new(raw, text, exclusion, sourceIndex, kind, regex,
                GoRegexParser.TryParse(regex) is { } tree ? RegexProgram.Compile(tree) : null),
        };
    }

    /// <summary>What follows the leading "**" (after an optional BOM, which translation skips).</summary>
    private static string SuffixOf(string text) => text[(text.IndexOf("**", StringComparison.Ordinal) + 2)..];

    /// <summary>
    /// Whether this pattern alone matches <paramref name="path"/> (no parent
    /// logic, no exclusion logic).
    /// </summary>
    /// <exception cref="IgnorePatternException">The pattern's regular expression does not compile.</exception>
    internal bool Matches(string path) => kind switch
    {
        MatchKind.Exact => path == literal,
        MatchKind.Prefix => path.StartsWith(literal, StringComparison.Ordinal),
        MatchKind.Suffix => path.EndsWith(literal, StringComparison.Ordinal)
            || (literal.StartsWith('/') && path.AsSpan().SequenceEqual(literal.AsSpan(1))),
        _ => program?.IsMatch(path) ?? throw new IgnorePatternException(IgnorePatternError.Syntax, raw, SourceIndex),
    };

    /// <summary>
    /// Whether this pattern matches one of the directories <paramref name="parentDir"/>
    /// spells ("a", "a/b", "a/b/c" for "a/b/c"), without matching each separately.
    /// A pattern that does not compile counts as no match here, as in docker
    /// (matching the path itself has reported it already).
    /// </summary>
    internal bool MatchesAncestor(string parentDir)
    {
        switch (kind)
        {
            case MatchKind.Exact:
                // Some prefix equals the literal: all of it, or a part followed by '/'.
                return parentDir.StartsWith(literal, StringComparison.Ordinal)
                    && (parentDir.Length == literal.Length || parentDir[literal.Length] == '/');
            case MatchKind.Prefix:
                // The whole directory is the longest candidate and starts with the others.
                return parentDir.StartsWith(literal, StringComparison.Ordinal);
            case MatchKind.Suffix:
                foreach (var ancestor in SlashPath.Prefixes(parentDir))
                {
                    if (Matches(ancestor))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return program?.MatchesAnyPrefix(parentDir) ?? false;
        }
    }
}
