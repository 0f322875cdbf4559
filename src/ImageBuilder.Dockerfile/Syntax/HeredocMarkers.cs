using System.Text.RegularExpressions;
using ImageBuilder.Dockerfile.Shell;
using Sprache;

namespace ImageBuilder.Dockerfile.Syntax;

/// <summary>
/// Finds heredoc markers (<c>&lt;&lt;EOF</c>, <c>&lt;&lt;-EOF</c>, <c>3&lt;&lt;'EOF'</c>) in an
/// instruction line, the way BuildKit does: split the line into shell words, keeping
/// quotes and escapes, then read each word that starts with an optional fd and "&lt;&lt;".
/// </summary>
public static partial class HeredocMarkers
{
    private static readonly IReadOnlyDictionary<string, string> NoVariables = new Dictionary<string, string>();

    /// <summary>The heredocs a line opens, in order (content still empty).</summary>
    /// <exception cref="ArgumentSyntaxException">A marker is malformed (e.g. an unterminated quote).</exception>
    public static IReadOnlyList<Heredoc> FromLine(string line)
    {
        IReadOnlyList<string> words;
        try
        {
            words = new ShellLexer('\\') { RawQuotes = true, RawEscapes = true, SkipUnsetEnv = true }
                .ProcessWords(line, NoVariables);
        }
        catch (ShellExpansionException)
        {
            return [];
        }

        var result = new List<Heredoc>();
        foreach (var word in words)
        {
            if (Parse(word) is { } heredoc)
            {
                result.Add(heredoc);
            }
        }

        return result;
    }

    /// <summary>One word as a heredoc marker, or null if it is not one.</summary>
    public static Heredoc? Parse(string word)
    {
        var match = DockerfileGrammar.HeredocMarker.TryParse(word);
        if (!match.WasSuccessful)
        {
            return null;
        }

        var fd = int.TryParse(match.Value.Fd, out var n) ? n : 0;
        var chomp = match.Value.Chomp;
        var rest = match.Value.Name;
        try
        {
            var plain = new ShellLexer('\\') { SkipUnsetEnv = true }.ProcessWords(rest, NoVariables);
            if (plain.Count != 1)
            {
                return null;
            }

            var raw = new ShellLexer('\\') { SkipUnsetEnv = true, RawQuotes = true }.ProcessWords(rest, NoVariables);
            if (raw.Count != 1)
            {
                throw new ArgumentSyntaxException(ErrorCode.InvalidHeredoc,
                    $"internal lexing of heredoc produced inconsistent results: {rest}", null);
            }

            var expand = CountQuotes(plain[0]) == CountQuotes(raw[0]);
            return new Heredoc(plain[0], "", expand, chomp, fd);
        }
        catch (ShellExpansionException e)
        {
            throw new ArgumentSyntaxException(ErrorCode.InvalidHeredoc, $"invalid heredoc marker {word}: {e.Message}",
                "close the quotes around the heredoc name, e.g. <<'EOF'");
        }
    }

    /// <summary>Removes leading tabs from every line (the <c>&lt;&lt;-</c> form).</summary>
    public static string Chomp(string content) => LeadingTabs().Replace(content, "");

    [GeneratedRegex(@"^\t+", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex LeadingTabs();

    private static int CountQuotes(string s) => s.Count(c => c is '\'' or '"');
}
