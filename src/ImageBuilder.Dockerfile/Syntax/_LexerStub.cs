namespace ImageBuilder.Dockerfile.Shell;

// TEMPORARY: replaced by the real lexer.
public sealed class ShellLexer(char escapeToken = '\\')
{
    public char EscapeToken { get; } = escapeToken;
    public bool RawQuotes { get; init; }
    public bool RawEscapes { get; init; }
    public bool SkipUnsetEnv { get; init; }
    public IReadOnlyList<string> ProcessWords(string word, IReadOnlyDictionary<string, string> env) =>
        word.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    public string ProcessWord(string word, IReadOnlyDictionary<string, string> env) => word;
}

public sealed class ShellExpansionException(string message, int position) : Exception(message)
{
    public int Position { get; } = position;
}
