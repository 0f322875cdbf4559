namespace ImageBuilder.Dockerfile.Syntax;

/// <summary>The parser directives BuildKit knows, and the escape token rule.</summary>
internal static class ParserDirectives
{
    public const string Syntax = "syntax";
    public const string Escape = "escape";
    public const string Check = "check";

    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal) { Syntax, Escape, Check };

    public static bool IsValidEscape(string value) => value is "\\" or "`";

    /// <summary>What is wrong with a <c># check=</c> value (BuildKit's lint options), or null.</summary>
    public static string? CheckOptionError(string value)
    {
        foreach (var part in value.Split(';'))
        {
            var eq = part.IndexOf('=');
            if (eq < 0)
            {
                return $"\"{part.Trim()}\" is not key=value";
            }

            var key = part[..eq].Trim();
            var setting = part[(eq + 1)..].Trim();
            switch (key)
            {
                case "skip" or "experimental":
                    break;
                case "error" when setting is "1" or "t" or "T" or "TRUE" or "true" or "True" or "0" or "f" or "F" or "FALSE" or "false" or "False":
                    break;
                case "error":
                    return $"error takes true or false, not \"{setting}\"";
                default:
                    return $"unknown key \"{key}\"";
            }
        }

        return null;
    }
}
