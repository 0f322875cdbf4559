using System.Text;
using ImageBuilder.Dockerfile.Shell;

namespace ImageBuilder.Dockerfile.Tests.Shell;

/// <summary>
/// Input built to hurt: deep nesting, unbalanced constructs, patterns that make
/// backtracking matchers explode, and random mutations. Only the outcome is asserted
/// (a result or a ShellExpansionException), never the time taken.
/// </summary>
public sealed class ShellHostileInputTests
{
    private static readonly IReadOnlyDictionary<string, string> Env = ShellEnvironment.FromPairs(
        ["a=" + new string('a', 200_000), "b=x y", "EMPTY=", "p=*a*a*a*a*a*a*a*a*a*a*a*b", "star=*", "nl=line1\nline2"]);

    [Fact]
    public void Many_open_braces_fail_cleanly()
    {
        var input = string.Concat(Enumerable.Repeat("${", 100_000));
        var error = Assert.Throws<ShellExpansionException>(() => new ShellLexer().ProcessWord(input, Env));
        Assert.Equal(0, error.Position);
        Assert.EndsWith("unsupported modifier ({) in substitution", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deeply_nested_substitutions_do_not_use_the_call_stack()
    {
        const int depth = 100_000;
        var input = Repeat("${NOPE:-", depth) + "x" + Repeat("}", depth);
        Assert.Equal("x", new ShellLexer().ProcessWord(input, Env));
        Assert.Equal(["x"], new ShellLexer().ProcessWords(input, Env));

        var quoted = Repeat("\"${NOPE:-", depth) + "x" + Repeat("}\"", depth);
        Assert.Equal("x", new ShellLexer().ProcessWord(quoted, Env));

        var skipped = new ShellLexer { SkipUnsetEnv = true }.ProcessWord(Repeat("${NOPE:-", 1000) + "x" + Repeat("}", 1000), Env);
        Assert.Equal(Repeat("${NOPE:-", 1000) + "x" + Repeat("}", 1000), skipped);
    }

    [Fact]
    public void Deeply_nested_unclosed_substitutions_report_the_outermost()
    {
        var input = "ab" + Repeat("${NOPE:-\"'", 100_000);
        var error = Assert.Throws<ShellExpansionException>(() => new ShellLexer().ProcessWord(input, Env));
        Assert.Equal(2, error.Position);
        Assert.EndsWith("syntax error: missing '}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Patterns_that_defeat_backtracking_run_in_linear_time()
    {
        var lexer = new ShellLexer();
        var a = Env["a"];
        Assert.Equal(a, lexer.ProcessWord("${a#*a*a*a*a*a*a*a*a*a*a*a*b}", Env));
        Assert.Equal(a, lexer.ProcessWord("${a##$p}", Env));
        Assert.Equal(a, lexer.ProcessWord("${a%%$p}", Env));
        Assert.Equal(a, lexer.ProcessWord("${a//$p/x}", Env));
        Assert.Equal("x", lexer.ProcessWord("${a//*a*a*a*a*a*a*a*a*a*a*a/x}", Env));
        Assert.Equal(string.Empty, lexer.ProcessWord("${a#" + Repeat("?", 200_000) + "}", Env));
        Assert.Equal(a, lexer.ProcessWord("${a#" + Repeat("a*", 5_000) + "b}", Env));
        Assert.Equal(new string('b', 200_000), lexer.ProcessWord("${a//a/b}", Env));
        Assert.Equal("aa", lexer.ProcessWord("${a%" + Repeat("a", 199_998) + "}", Env));
    }

    [Fact]
    public void Output_growth_is_capped()
    {
        var big = ShellEnvironment.FromPairs(["v=" + new string('v', 4 * 1024 * 1024)]);
        var error = Assert.Throws<ShellExpansionException>(() => new ShellLexer().ProcessWord(Repeat("$v", 17), big));
        Assert.Contains("exceed", error.Message, StringComparison.Ordinal);
        Assert.Throws<ShellExpansionException>(() => new ShellLexer().ProcessWord("${v//?/$v}", big));
    }

    [Fact]
    public void Mutated_inputs_only_ever_succeed_or_raise_shell_expansion_exception()
    {
        var seeds = BuildKitShellCorpus.EnvVarCases().Select(c => c.Input)
            .Concat(BuildKitShellCorpus.WordsCases().Select(c => c.Input))
            .Concat(["${a/x/y}", "${a//\\*/\\/}", "${b%%\\**\\*}", "${star#?\\?}", "\"${nl:+$b}\"", "${a:?m}", "`$b", "${😀}", "$😀", "${b:😀}"])
            .ToArray();
        var pieces = new[] { "$", "{", "}", "${", ":", "-", "+", "?", "#", "%", "/", "//", "\\", "`", "'", "\"", "*", " ", "\n", "b", "NOPE", "😀", "\ud800", "\uFEFF", "=" };
        var lexers = new[]
        {
            new ShellLexer(),
            new ShellLexer('`'),
            new ShellLexer { RawQuotes = true, RawEscapes = true },
            new ShellLexer { SkipUnsetEnv = true, RawQuotes = true },
            new ShellLexer('`') { SkipProcessQuotes = true, SkipUnsetEnv = true, RawEscapes = true },
        };
        var random = new Random(7);
        for (var i = 0; i < 12_000; i++)
        {
            var input = Mutate(random, seeds[random.Next(seeds.Length)], pieces);
            var lexer = lexers[i % lexers.Length];
            string? word = null;
            try
            {
                word = lexer.ProcessWord(input, Env);
            }
            catch (ShellExpansionException error)
            {
                Assert.InRange(error.Position, 0, input.Length);
            }

            // The three entry points agree on success or failure and on the joined text.
            if (word is null)
            {
                Assert.Throws<ShellExpansionException>(() => lexer.ProcessWords(input, Env));
                Assert.Throws<ShellExpansionException>(() => lexer.ProcessWordWithMatches(input, Env));
            }
            else
            {
                Assert.Equal(word, lexer.ProcessWordWithMatches(input, Env).Result);
                Assert.All(lexer.ProcessWords(input, Env), w => Assert.NotEqual(string.Empty, w));
            }
        }
    }

    private static string Mutate(Random random, string seed, string[] pieces)
    {
        var text = new StringBuilder(seed);
        var edits = random.Next(1, 6);
        for (var e = 0; e < edits; e++)
        {
            var at = random.Next(text.Length + 1);
            switch (random.Next(4))
            {
                case 0:
                    text.Insert(at, pieces[random.Next(pieces.Length)]);
                    break;
                case 1 when text.Length > 0:
                    text.Remove(Math.Min(at, text.Length - 1), 1);
                    break;
                case 2:
                    text.Insert(at, Repeat(pieces[random.Next(pieces.Length)], random.Next(1, 300)));
                    break;
                default:
                    text.Insert(at, text.ToString(0, at));
                    break;
            }
        }

        return text.ToString();
    }

    private static string Repeat(string text, int count) => new StringBuilder(text.Length * count).Insert(0, text, count).ToString();
}
