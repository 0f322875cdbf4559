namespace ImageBuilder.Dockerfile.Shell;

/// <summary>
/// Expands variables and removes quotes in Dockerfile words with the rules of BuildKit's
/// shell lexer: <c>$v</c>, <c>${v}</c>, the <c>${v:-w}</c> family, pattern trimming and
/// replacement, single and double quotes, and an escape token of <c>\</c> or <c>`</c>.
/// An instance holds only settings, so it can be shared between threads.
/// </summary>
/// <remarks>
/// Work is linear in the input (times the size of the values involved) and nesting does not
/// use the call stack, so hostile input cannot hang or overflow it. Any malformed input ends
/// in <see cref="ShellExpansionException"/>; so does an expansion that would grow past
/// 64 Mi characters.
/// </remarks>
public sealed class ShellLexer
{
    public ShellLexer(char escapeToken = '\\')
    {
        if (escapeToken is not ('\\' or '`'))
        {
            throw new ArgumentOutOfRangeException(nameof(escapeToken), escapeToken, "the escape token must be '\\' or '`'");
        }

        EscapeToken = escapeToken;
    }

    /// <summary>The character that escapes the next one: <c>\</c>, or <c>`</c> for Windows-style Dockerfiles.</summary>
    public char EscapeToken { get; }

    /// <summary>Keep the quote characters in the output instead of removing them.</summary>
    public bool RawQuotes { get; init; }

    /// <summary>Keep escape tokens in the output (the escaped character still loses its special meaning).</summary>
    public bool RawEscapes { get; init; }

    /// <summary>Treat <c>'</c> and <c>"</c> as ordinary characters.</summary>
    public bool SkipProcessQuotes { get; init; }

    /// <summary>Leave a reference to an unset variable as its literal text instead of expanding it to nothing.</summary>
    public bool SkipUnsetEnv { get; init; }

    /// <summary>Expands one word; whitespace, including whitespace from variable values, is kept.</summary>
    /// <exception cref="ShellExpansionException">The word is malformed or a <c>${v?message}</c> check failed.</exception>
    public string ProcessWord(string word, IReadOnlyDictionary<string, string> env)
    {
        var expander = Start(word, env, splitWords: false, recordNames: false);
        return expander.Result;
    }

    /// <summary>
    /// Expands the input and splits it into words at unquoted, unescaped whitespace, which
    /// includes whitespace that came from unquoted variable values. Empty words are dropped.
    /// </summary>
    /// <exception cref="ShellExpansionException">The input is malformed or a <c>${v?message}</c> check failed.</exception>
    public IReadOnlyList<string> ProcessWords(string word, IReadOnlyDictionary<string, string> env)
    {
        var expander = Start(word, env, splitWords: true, recordNames: false);
        return expander.Words;
    }

    /// <summary>Like <see cref="ProcessWord"/>, also telling which variables were found and which were not.</summary>
    /// <exception cref="ShellExpansionException">The word is malformed or a <c>${v?message}</c> check failed.</exception>
    public ShellExpansion ProcessWordWithMatches(string word, IReadOnlyDictionary<string, string> env)
    {
        var expander = Start(word, env, splitWords: false, recordNames: true);
        return new ShellExpansion(expander.Result, expander.Matched, expander.Unmatched);
    }

    private WordExpander Start(string word, IReadOnlyDictionary<string, string> env, bool splitWords, bool recordNames)
    {
        ArgumentNullException.ThrowIfNull(word);
        ArgumentNullException.ThrowIfNull(env);
        var expander = new WordExpander(this, word, env, splitWords, recordNames);
        expander.Run();
        return expander;
    }
}
