using System.Text;

namespace ImageBuilder.Registry.Auth;

/// <summary>
/// One challenge of a <c>WWW-Authenticate</c> header (RFC 7235): a scheme and its parameters,
/// e.g. <c>Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"</c>.
/// Parameter names are case-insensitive; quoted values may hold commas and backslash escapes.
/// </summary>
internal sealed record AuthChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    public bool IsBearer => Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase);

    public bool IsBasic => Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase);

    public string? this[string name] => Parameters.TryGetValue(name, out var value) ? value : null;

    /// <summary>Every challenge in the header values (a header may carry several).</summary>
    public static IReadOnlyList<AuthChallenge> ParseAll(IEnumerable<string> headerValues)
    {
        var challenges = new List<AuthChallenge>();
        foreach (var value in headerValues)
        {
            Parse(value, challenges);
        }

        return challenges;
    }

    private static void Parse(string text, List<AuthChallenge> into)
    {
        var position = 0;
        string? scheme = null;
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (true)
        {
            SkipSeparators(text, ref position);
            if (position >= text.Length)
            {
                break;
            }

            var token = ReadToken(text, ref position);
            if (token.Length == 0)
            {
                position++; // a stray character: skip it rather than loop
                continue;
            }

            SkipSpaces(text, ref position);
            if (position < text.Length && text[position] == '=' && scheme is not null)
            {
                position++;
                SkipSpaces(text, ref position);
                parameters[token] = position < text.Length && text[position] == '"'
                    ? ReadQuoted(text, ref position)
                    : ReadToken(text, ref position);
                continue;
            }

            // A token not followed by '=' starts a new challenge (token68 values are not used by registries).
            if (scheme is not null)
            {
                into.Add(new AuthChallenge(scheme, parameters));
                parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            }

            scheme = token;
        }

        if (scheme is not null)
        {
            into.Add(new AuthChallenge(scheme, parameters));
        }
    }

    private static void SkipSpaces(string text, ref int position)
    {
        while (position < text.Length && text[position] is ' ' or '\t')
        {
            position++;
        }
    }

    private static void SkipSeparators(string text, ref int position)
    {
        while (position < text.Length && text[position] is ' ' or '\t' or ',')
        {
            position++;
        }
    }

    private static string ReadToken(string text, ref int position)
    {
        var start = position;
        while (position < text.Length && text[position] is not (' ' or '\t' or ',' or '=' or '"'))
        {
            position++;
        }

        return text[start..position];
    }

    private static string ReadQuoted(string text, ref int position)
    {
        var value = new StringBuilder();
        position++; // opening quote
        while (position < text.Length && text[position] != '"')
        {
            if (text[position] == '\\' && position + 1 < text.Length)
            {
                position++;
            }

            value.Append(text[position]);
            position++;
        }

        position++; // closing quote (or past the end)
        return value.ToString();
    }
}
