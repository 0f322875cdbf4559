using System.Text;
using System.Text.RegularExpressions;
using ImageBuilder.Dockerfile.Shell;

namespace ImageBuilder.Dockerfile.Tests.Shell;

/// <summary>
/// ${v#p} ${v%p} ${v/p/r} pattern semantics, checked on fixed cases and against a reference
/// built on .NET's backtracking Regex, which picks matches the way Go's regexp (and so
/// BuildKit) does: leftmost start, then lazy or greedy priority.
/// </summary>
public sealed class ShellPatternTests
{
    private static readonly ShellLexer Lexer = new();

    [Theory]
    [InlineData("[ab]c", "${v#[ab]}", "c")]
    [InlineData("ac", "${v#[ab]}", "ac")]
    [InlineData("a\nb", "${v##*}", "\nb")]
    [InlineData("a\nb", "${v%%*}", "a\n")]
    [InlineData("a\nb", "${v#a?}", "a\nb")]
    [InlineData("a\nb", "${v//?/.}", ".\n.")]
    [InlineData("a\nb", "${v/*/.}", ".\nb")]
    [InlineData("😀x", "${v#?}", "x")]
    [InlineData("x😀", "${v%?}", "x")]
    [InlineData("😀😀", "${v//?/-}", "--")]
    [InlineData("banana", "${v//a/$t}", "b[a]n[a]n[a]")]
    [InlineData("banana", "${v//a/$u}", "b[a]n[a]n[a]")]
    [InlineData("banana", "${v/a/$t}", "b[$0]nana")]
    [InlineData("banana", "${v//a/[$0]}", "b[]n[]n[]")]
    [InlineData("banana", "${v//an/$w}", "b..$.$..$.$a")]
    [InlineData("banana", "${v//an/$1.$x.$$.$}", "b...$...$a")]
    [InlineData("banana", "${v//n*/N}", "baN")]
    [InlineData("banana", "${v/#b/B}", "banana")]
    [InlineData("banana", "${v//*/x}", "x")]
    [InlineData("banana", "${v#*n}", "ana")]
    [InlineData("banana", "${v##*n}", "a")]
    [InlineData("banana", "${v%n*}", "bana")]
    [InlineData("banana", "${v%%n*}", "ba")]
    [InlineData("banana", "${v%%}", "banana")]
    [InlineData("a}b/c", "${v//\\}/-}", "a-b/c")]
    [InlineData("a}b/c", "${v/\\//-}", "a}b-c")]
    [InlineData("", "${v//*/x}", "x")]
    [InlineData("", "${v/?/x}", "")]
    [InlineData("ab", "${v//$e/-}", "-a-b-")]
    [InlineData("x*y", "${v#\"x*\"}", "*y")]
    [InlineData("x\\y", "${v#\"x\\\\\"}", "y")]
    public void Patterns_follow_buildkit(string value, string input, string expected)
    {
        var env = new Dictionary<string, string> { ["v"] = value, ["e"] = string.Empty, ["t"] = "[$0]", ["u"] = "[${0}]", ["w"] = "$1.$x.$$.$" };
        Assert.Equal(expected, Lexer.ProcessWord(input, env));
    }

    [Fact]
    public void Suffix_patterns_are_reversed_with_their_escapes()
    {
        var env = new Dictionary<string, string> { ["v"] = "a*", ["p"] = "*\\" };

        // BuildKit pairs escapes from the left before reversing, so "*\" reversed is "\*",
        // an escaped star: the suffix form matches a literal '*' while the prefix form fails.
        Assert.Equal("a", Lexer.ProcessWord("${v%$p}", env));
        Assert.Throws<ShellExpansionException>(() => Lexer.ProcessWord("${v#$p}", env));
    }

    [Fact]
    public void Random_patterns_agree_with_a_backtracking_reference()
    {
        var random = new Random(20240611);
        for (var round = 0; round < 3000; round++)
        {
            var tokens = RandomTokens(random);
            var value = RandomText(random, "ab*\n", random.Next(0, 9));
            var env = new Dictionary<string, string> { ["v"] = value, ["p"] = Render(tokens), ["r"] = "<$0>" };

            foreach (var (op, longest) in new[] { ("#", false), ("##", true) })
            {
                var expected = ReferencePrefix(value, tokens, longest);
                Assert.True(expected == Lexer.ProcessWord("${v" + op + "$p}", env), Describe(op, value, env["p"]));
            }

            foreach (var (op, longest) in new[] { ("%", false), ("%%", true) })
            {
                var reversed = ReferencePrefix(Reverse(value), [.. tokens.AsEnumerable().Reverse()], longest);
                Assert.True(Reverse(reversed) == Lexer.ProcessWord("${v" + op + "$p}", env), Describe(op, value, env["p"]));
            }

            Assert.True(ReferenceReplace(value, tokens, "<$0>", all: false) == Lexer.ProcessWord("${v/$p/$r}", env), Describe("/", value, env["p"]));
            Assert.True(ReferenceReplace(value, tokens, "<$0>", all: true) == Lexer.ProcessWord("${v//$p/$r}", env), Describe("//", value, env["p"]));
        }
    }

    private static string Describe(string op, string value, string pattern) =>
        $"op {op} value '{value.Replace("\n", "\\n", StringComparison.Ordinal)}' pattern '{pattern.Replace("\n", "\\n", StringComparison.Ordinal)}'";

    // Tokens: "*" any run, "?" any one, anything else a literal character.
    private static string[] RandomTokens(Random random)
    {
        var choices = new[] { "a", "b", "*", "?", "\n", "lit*" };
        var tokens = new string[random.Next(0, 6)];
        for (var i = 0; i < tokens.Length; i++)
        {
            tokens[i] = choices[random.Next(choices.Length)];
        }

        return tokens;
    }

    private static string Render(string[] tokens) =>
        string.Concat(tokens.Select(t => t == "lit*" ? "\\*" : t));

    private static string ToRegex(IEnumerable<string> tokens, bool greedy) => string.Concat(tokens.Select(t => t switch
    {
        "*" => greedy ? ".*" : ".*?",
        "?" => ".",
        "lit*" => "\\*",
        _ => Regex.Escape(t),
    }));

    private static string ReferencePrefix(string value, string[] tokens, bool longest)
    {
        var match = Regex.Match(value, "\\A(?:" + ToRegex(tokens, longest) + ")");
        return match.Success ? value[match.Length..] : value;
    }

    // Go's ReplaceAllString loop, with Regex.Match standing in for the regexp search.
    private static string ReferenceReplace(string value, string[] tokens, string replacement, bool all)
    {
        var regex = new Regex(ToRegex(tokens, greedy: true));
        if (!all)
        {
            var first = regex.Match(value);
            return first.Success ? value[..first.Index] + replacement + value[(first.Index + first.Length)..] : value;
        }

        var output = new StringBuilder();
        int lastEnd = 0, searchFrom = 0;
        while (searchFrom <= value.Length)
        {
            var match = regex.Match(value, searchFrom);
            if (!match.Success)
            {
                break;
            }

            var end = match.Index + match.Length;
            output.Append(value, lastEnd, match.Index - lastEnd);
            if (end > lastEnd || match.Index == 0)
            {
                output.Append(replacement.Replace("$0", match.Value, StringComparison.Ordinal));
            }

            lastEnd = end;
            searchFrom = end > searchFrom ? end : searchFrom + 1;
        }

        return output.Append(value, lastEnd, value.Length - lastEnd).ToString();
    }

    private static string RandomText(Random random, string alphabet, int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = alphabet[random.Next(alphabet.Length)];
        }

        return new string(chars);
    }

    private static string Reverse(string text)
    {
        var chars = text.ToCharArray();
        Array.Reverse(chars);
        return new string(chars);
    }
}
