using ImageBuilder.Dockerfile.Shell;

namespace ImageBuilder.Dockerfile.Tests.Shell;

/// <summary>Error texts (BuildKit's) and the positions this implementation adds to them.</summary>
public sealed class ShellLexerErrorTests
{
    private static readonly IReadOnlyDictionary<string, string> Env = ShellEnvironment.FromPairs(["a=abc", "EMPTY="]);

    [Theory]
    [InlineData("he'llo", 2, "unexpected end of statement while looking for matching single-quote")]
    [InlineData("x\"abc", 1, "unexpected end of statement while looking for matching double-quote")]
    [InlineData("x\"abc\\\"", 1, "unexpected end of statement while looking for matching double-quote")]
    [InlineData("ab${c", 2, "syntax error: missing '}'")]
    [InlineData("ab${", 2, "syntax error: missing '}'")]
    [InlineData("ab${c:", 2, "syntax error: missing '}'")]
    [InlineData("${a:-${b", 0, "syntax error: missing '}'")]
    [InlineData("${a:-'x", 0, "syntax error: missing '}'")]
    [InlineData("${a:-\"x", 0, "syntax error: missing '}'")]
    [InlineData("\"${a:-x\"", 1, "syntax error: missing '}'")]
    [InlineData("${a/x", 0, "syntax error: missing '/' in ${}")]
    [InlineData("${a//x}", 0, "syntax error: missing '/' in ${}")]
    [InlineData("${a/x/${b", 0, "syntax error: missing '}'")]
    [InlineData("${a/${b:-x", 0, "syntax error: missing '/' in ${}")]
    [InlineData("x${}", 1, "syntax error: bad substitution")]
    [InlineData("x${{a}", 1, "syntax error: bad substitution")]
    [InlineData("x${:-a}", 1, "syntax error: bad substitution")]
    [InlineData("${a=b}", 0, "unsupported modifier (=) in substitution")]
    [InlineData("${a b}", 0, "unsupported modifier ( ) in substitution")]
    [InlineData("${a:=b}", 0, "unsupported modifier (:=) in substitution")]
    [InlineData("${a:b}", 0, "unsupported modifier (:b) in substitution")]
    [InlineData("${a:#b}", 0, "unsupported modifier (:#) in substitution")]
    [InlineData("${a:%%b}", 0, "unsupported modifier (:%) in substitution")]
    [InlineData("${${a}}", 0, "unsupported modifier ({) in substitution")]
    [InlineData("${a#\\x}", 0, "invalid pattern (\\x) in substitution: invalid escape '\\x'")]
    [InlineData("${a/\\$/y}", 0, "invalid pattern (\\$) in substitution: invalid escape '\\$'")]
    [InlineData("--${NOPE?}", 2, "NOPE: is not allowed to be unset")]
    [InlineData("${EMPTY:?must be set}", 0, "EMPTY: must be set")]
    [InlineData("${a:-${NOPE:?inner $a}}", 5, "NOPE: inner abc")]
    public void Errors_name_the_problem_and_where_it_is(string input, int position, string reason)
    {
        var error = Assert.Throws<ShellExpansionException>(() => new ShellLexer().ProcessWord(input, Env));
        Assert.Equal(position, error.Position);
        Assert.EndsWith(": " + reason, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("failed to process \"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_input_is_quoted_like_go_does_it()
    {
        var error = Assert.Throws<ShellExpansionException>(() => new ShellLexer().ProcessWord("\"tab\there\u00a0é\\", Env));
        Assert.Equal("failed to process \"\\\"tab\\there\\u00a0é\\\\\": unexpected end of statement while looking for matching double-quote", error.Message);
    }

    [Fact]
    public void Failures_inside_an_unclosed_substitution_at_the_end_become_missing_brace()
    {
        // As in BuildKit: the inner ${NOPE?} fails with the input used up, so the open ${a:-
        // around it turns the failure into a missing '}'.
        var error = Assert.Throws<ShellExpansionException>(() => new ShellLexer().ProcessWord("${a:-${NOPE?}", Env));
        Assert.EndsWith("syntax error: missing '}'", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, error.Position);
    }

    [Fact]
    public void Errors_are_the_same_through_every_entry_point()
    {
        var lexer = new ShellLexer();
        Assert.Throws<ShellExpansionException>(() => lexer.ProcessWords("a 'b", Env));
        Assert.Throws<ShellExpansionException>(() => lexer.ProcessWordWithMatches("a ${b", Env));
    }
}
