using System.Text.RegularExpressions;
using ImageBuilder.Dockerfile.Shell;
using ImageBuilder.Dockerfile.Syntax;
using Sprache;

namespace ImageBuilder.Dockerfile.Checks;

/// <summary>
/// The edits that fix one warning, or none when the rewrite could change what the instruction means:
/// keywords are recased anywhere, but the rest only of one-line instructions; an ENV/LABEL value is put in double quotes only without
/// quotes or escape tokens (inside them it then expands exactly as before), and one with them only
/// when it is a single word as written (it then follows the <c>=</c> unchanged); a shell-form CMD/ENTRYPOINT only
/// when it is plain words that sh -c would run as they are.
/// </summary>
internal static partial class CheckFixRules
{
    // Words sh handles itself: reserved words and builtins that are no program in the image.
    private static readonly HashSet<string> ShellWords = new(StringComparer.Ordinal)
    {
        "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for", "in", "function",
        "select", "time", "!", ".", ":", "break", "continue", "eval", "exec", "exit", "export", "readonly", "return",
        "set", "shift", "times", "trap", "unset", "cd", "alias", "unalias", "read", "wait", "ulimit", "umask",
        "source", "local", "command", "type", "hash", "getopts", "jobs", "fg", "bg",
    };

    public static IEnumerable<(CheckWarning Warning, IReadOnlyList<TextEdit> Edits)> Candidates(SyntaxTree tree, CheckReport report)
    {
        var nodes = tree.Nodes.ToDictionary(n => (n.Span.StartLine, n.Span.StartColumn));
        var lower = StageRules.MajorityLower(tree);
        var recased = report.Warnings.Where(w => w.Rule == CheckRules.ConsistentInstructionCasing)
            .Select(w => (w.Span.StartLine, w.Span.StartColumn)).ToHashSet();
        var asFixed = report.Warnings.Where(w => w.Rule == CheckRules.FromAsCasing)
            .Select(w => (w.Span.StartLine, w.Span.StartColumn)).ToHashSet();
        foreach (var warning in report.Warnings)
        {
            var key = (warning.Span.StartLine, warning.Span.StartColumn);
            if (!nodes.TryGetValue(key, out var node))
            {
                continue;
            }

            var oneLine = node.Span.EndLine == node.Span.StartLine && node.Heredocs.Count == 0;

            var keyword = recased.Contains(key) ? Recase(node.KeywordAsWritten, lower) : node.KeywordAsWritten;
            var edits = warning.Rule.Name switch
            {
                "ConsistentInstructionCasing" =>
                    [new TextEdit(key.StartLine, key.StartColumn, node.KeywordAsWritten, keyword),
                        .. asFixed.Contains(key) ? [] : AsKeyword(node, keyword)],
                "FromAsCasing" => AsKeyword(node, keyword),
                "LegacyKeyValueFormat" when oneLine => KeyValue(node, tree.EscapeToken),
                "JSONArgsRecommended" when oneLine => ExecForm(node),
                "MaintainerDeprecated" when oneLine => Label(node, tree.EscapeToken, lower),
                "StageNameCasing" => StageName(node, tree),
                _ => [],
            };
            if (edits.Count > 0)
            {
                yield return (warning, edits);
            }
        }
    }

    private static string Recase(string word, bool lower) => lower ? word.ToLowerInvariant() : word.ToUpperInvariant();

    /// <summary>FROM's AS cased like the keyword will be; nothing when it already is or the keyword is mixed-case.</summary>
    private static IReadOnlyList<TextEdit> AsKeyword(SyntaxNode node, string keyword)
    {
        if (node.Keyword != "from" || node.Arguments.Count != 3)
        {
            return [];
        }

        var word = node.Arguments[1];
        var wanted = keyword == keyword.ToLowerInvariant() ? "as" : keyword == keyword.ToUpperInvariant() ? "AS" : word;
        var at = node.LocateArgument(1);
        return wanted == word ? [] : [new TextEdit(at.StartLine, at.StartColumn, word, wanted)];
    }

    /// <summary>
    /// <c>FROM x AS Build</c> → <c>AS build</c>, and every reference to the stage with it (stage
    /// names are compared without case): <c>FROM Build</c>, <c>--from=Build</c>, a mount's
    /// <c>from=Build</c>. None when another stage already has the lower-case name, or a reference is in
    /// an instruction of several lines (its place would not be exact).
    /// </summary>
    private static IReadOnlyList<TextEdit> StageName(SyntaxNode from, SyntaxTree tree)
    {
        if (from.Keyword != "from" || from.Arguments.Count != 3)
        {
            return [];
        }

        var name = from.Arguments[2];
        var lower = name.ToLowerInvariant();
        var at = from.LocateArgument(2);
        var edits = new List<TextEdit> { new(at.StartLine, at.StartColumn, name, lower) };
        foreach (var node in tree.Nodes.Where(n => !ReferenceEquals(n, from)))
        {
            if (node.Keyword == "from" && node.Arguments.Count == 3 && node.Arguments[2] == lower)
            {
                return [];
            }

            if (node.Keyword == "from" && node.Arguments.Count > 0 && string.Equals(node.Arguments[0], name, StringComparison.OrdinalIgnoreCase) && node.Arguments[0] != lower)
            {
                var base_ = node.LocateArgument(0);
                edits.Add(new TextEdit(base_.StartLine, base_.StartColumn, node.Arguments[0], lower));
            }

            var references = StageReference().Matches(node.Original).Where(m => string.Equals(m.Groups["name"].Value, name, StringComparison.OrdinalIgnoreCase)).ToList();
            if (references.Count == 0)
            {
                continue;
            }

            if (node.Span.EndLine != node.Span.StartLine)
            {
                return [];
            }

            var indent = node.Original.Length - node.Original.TrimStart().Length;
            edits.AddRange(references.Where(m => m.Groups["name"].Value != lower).Select(m =>
                new TextEdit(node.Span.StartLine, node.Span.StartColumn + m.Groups["name"].Index - indent, m.Groups["name"].Value, lower)));
        }

        return edits;
    }

    // --from=NAME (COPY, ADD) and a mount's from=NAME, up to the next comma, blank or quote.
    [GeneratedRegex(@"(?:--from=|(?<=--mount=\S*[,=])from=)(?<name>[^\s,""']+)")]
    private static partial Regex StageReference();

    /// <summary><c>ENV K V</c> → <c>ENV K="V"</c>: only when V has no quotes and no escape token.</summary>
    private static IReadOnlyList<TextEdit> KeyValue(SyntaxNode node, char escape)
    {
        if (node.Arguments.Count != 3 || node.Arguments[2].Length != 0)
        {
            return [];
        }

        var (name, value) = (node.Arguments[0], node.Arguments[1]);
        var oneWord = !Plain(value, escape) && OneWord(value, escape);
        if (!Plain(name, escape) || name.Contains('$') || name.Contains('=') || !(oneWord || Plain(value, escape)))
        {
            return [];
        }

        var (nameAt, valueAt) = (node.LocateArgument(0), node.LocateArgument(1));
        var gap = valueAt.StartColumn - (nameAt.StartColumn + name.Length);
        if (nameAt.StartLine != valueAt.StartLine || gap < 1)
        {
            return [];
        }

        var gapStart = nameAt.StartColumn + name.Length - node.Span.StartColumn;
        if (gapStart + gap > node.Original.Length)
        {
            return [];
        }

        var separator = new TextEdit(nameAt.StartLine, nameAt.StartColumn + name.Length, node.Original.Substring(gapStart, gap), oneWord ? "=" : "=\"");
        return oneWord ? [separator] : [separator, new TextEdit(valueAt.StartLine, valueAt.StartColumn, value, value + "\"")];
    }

    /// <summary>A value with quotes or escapes that is one word as written (<c>"a b"</c>, <c>a\ b</c>): after <c>=</c> it reads the same.</summary>
    private static bool OneWord(string value, char escape)
    {
        var words = DockerfileGrammar.Words(escape).TryParse(value);
        return words.WasSuccessful && words.Value.Count == 1 && words.Value[0] == value && Expands(value, escape);
    }

    /// <summary>Whether the word expands at all (an unterminated quote does not): a broken value is left for the user.</summary>
    private static bool Expands(string value, char escape)
    {
        try
        {
            new ShellLexer(escape).ProcessWord(value, new Dictionary<string, string>());
            return true;
        }
        catch (ShellExpansionException)
        {
            return false;
        }
    }

    private static bool Plain(string text, char escape) =>
        text.IndexOfAny(['"', '\'', escape]) < 0 && !text.Contains('\n');

    /// <summary><c>CMD a b</c> → <c>CMD ["a", "b"]</c>: only for plain words, the first not a shell word or an assignment.</summary>
    private static IReadOnlyList<TextEdit> ExecForm(SyntaxNode node)
    {
        var text = node.ArgumentText;
        if (node.IsJson || !PlainCommand().IsMatch(text))
        {
            return [];
        }

        var words = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (ShellWords.Contains(words[0]) || words[0].Contains('='))
        {
            return [];
        }

        var json = "[" + string.Join(", ", words.Select(w => $"\"{w}\"")) + "]";
        return [new TextEdit(node.ArgumentSpan.StartLine, node.ArgumentSpan.StartColumn, text, json)];
    }

    /// <summary><c>MAINTAINER x</c> → <c>LABEL org.opencontainers.image.authors="x"</c>, x escaped for double quotes.</summary>
    private static IReadOnlyList<TextEdit> Label(SyntaxNode node, char escape, bool lower)
    {
        var value = node.ArgumentText;
        if (value.Length == 0)
        {
            return [];
        }

        var quoted = new System.Text.StringBuilder("\"");
        foreach (var c in value)
        {
            quoted.Append(c is '"' or '$' || c == escape ? $"{escape}{c}" : c.ToString());
        }

        var at = node.ArgumentSpan;
        return [new TextEdit(node.Span.StartLine, node.Span.StartColumn, node.KeywordAsWritten, Recase("label", lower)),
            new TextEdit(at.StartLine, at.StartColumn, value, "org.opencontainers.image.authors=" + quoted + "\"")];
    }

    // Words of letters, digits and _ . / : , + @ % = - separated by blanks: nothing sh would expand, quote or split differently.
    [GeneratedRegex(@"^[A-Za-z0-9_./:,+@%=-]+(?:[ \t]+[A-Za-z0-9_./:,+@%=-]+)*$")]
    private static partial Regex PlainCommand();
}
