namespace ImageBuilder.Dockerfile.Syntax;

/// <summary>The parser directives BuildKit knows, and the escape token rule.</summary>
internal static class ParserDirectives
{
    public const string Syntax = "syntax";
    public const string Escape = "escape";
    public const string Check = "check";

    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal) { Syntax, Escape, Check };

    public static bool IsValidEscape(string value) => value is "\\" or "`";
}
