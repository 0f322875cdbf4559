using Sprache;

namespace ImageBuilder.Dockerfile.Syntax;

/// <summary>
/// How each instruction splits its argument text, as BuildKit's line parsers do:
/// exec form or shell form, whitespace lists, name=value lists, a single string.
/// </summary>
internal static class ArgumentParsers
{
    public enum Shape
    {
        Ignore,
        MaybeJson,
        MaybeJsonToList,
        NameValue,
        NameOrNameValue,
        WhitespaceList,
        Single,
        SubCommand,
        Healthcheck,
    }

    private static readonly Dictionary<string, Shape> Shapes = new(StringComparer.Ordinal)
    {
        ["add"] = Shape.MaybeJsonToList,
        ["arg"] = Shape.NameOrNameValue,
        ["cmd"] = Shape.MaybeJson,
        ["copy"] = Shape.MaybeJsonToList,
        ["entrypoint"] = Shape.MaybeJson,
        ["env"] = Shape.NameValue,
        ["expose"] = Shape.WhitespaceList,
        ["from"] = Shape.WhitespaceList,
        ["healthcheck"] = Shape.Healthcheck,
        ["label"] = Shape.NameValue,
        ["maintainer"] = Shape.Single,
        ["onbuild"] = Shape.SubCommand,
        ["run"] = Shape.MaybeJson,
        ["shell"] = Shape.MaybeJson,
        ["stopsignal"] = Shape.Single,
        ["user"] = Shape.Single,
        ["volume"] = Shape.MaybeJsonToList,
        ["workdir"] = Shape.Single,
    };

    public static Shape ShapeOf(string keyword) => Shapes.GetValueOrDefault(keyword, Shape.Ignore);

    /// <summary>Splits <paramref name="rest"/>; throws <see cref="ArgumentSyntaxException"/> for bad input.</summary>
    public static (IReadOnlyList<string> Args, bool IsJson) Split(Shape shape, string rest, char escape, string keyword) =>
        shape switch
        {
            Shape.Ignore or Shape.SubCommand => ([], false),
            Shape.MaybeJson => MaybeJson(rest),
            Shape.MaybeJsonToList => MaybeJsonToList(rest),
            Shape.NameValue => (NameValue(rest, escape, keyword.ToUpperInvariant()), false),
            Shape.NameOrNameValue => (DockerfileGrammar.Words(escape).Parse(rest), false),
            Shape.WhitespaceList => (WhitespaceList(rest), false),
            Shape.Single => (rest.Length == 0 ? [] : [rest], false),
            Shape.Healthcheck => Healthcheck(rest),
            _ => throw new ArgumentOutOfRangeException(nameof(shape)),
        };

    private static (IReadOnlyList<string>, bool) MaybeJson(string rest)
    {
        if (rest.Length == 0)
        {
            return ([], false);
        }

        var json = DockerfileGrammar.ExecForm.Parse(rest);
        if (json.NotStringArray)
        {
            throw new ArgumentSyntaxException(ErrorCode.InvalidJson,
                "when using JSON array syntax, arrays must be comprised of strings only",
                "write every element as a \"string\", or drop the brackets to use shell form");
        }

        return json.Values is { } values ? (values, true) : ([rest], false);
    }

    private static (IReadOnlyList<string>, bool) MaybeJsonToList(string rest)
    {
        var json = DockerfileGrammar.ExecForm.Parse(rest);
        if (json.NotStringArray)
        {
            throw new ArgumentSyntaxException(ErrorCode.InvalidJson,
                "when using JSON array syntax, arrays must be comprised of strings only",
                "write every element as a \"string\", or drop the brackets");
        }

        return json.Values is { } values ? (values, true) : (WhitespaceList(rest), false);
    }

    public static IReadOnlyList<string> WhitespaceList(string rest) =>
        rest.Split([' ', '\t', '\v', '\f', '\r'], StringSplitOptions.RemoveEmptyEntries);

    private static IReadOnlyList<string> NameValue(string rest, char escape, string keyword)
    {
        var words = DockerfileGrammar.Words(escape).Parse(rest);
        if (words.Count == 0)
        {
            return [];
        }

        if (!words[0].Contains('='))
        {
            // Legacy form: KEY name value (the value is the rest of the line, as written).
            var cut = rest.IndexOfAny([' ', '\t', '\v', '\f', '\r']);
            if (cut < 0)
            {
                throw new ArgumentSyntaxException(ErrorCode.ArgumentCount, $"{keyword} must have two arguments",
                    $"write {keyword} {rest}=value");
            }

            var value = rest[cut..].TrimStart(' ', '\t', '\v', '\f', '\r');
            return [rest[..cut], value, ""];
        }

        var result = new List<string>(words.Count * 3);
        var cursor = 0;
        foreach (var word in words)
        {
            var at = rest.IndexOf(word, cursor, StringComparison.Ordinal);
            cursor = at >= 0 ? at + word.Length : cursor;
            var eq = word.IndexOf('=');
            if (eq < 0)
            {
                throw new ArgumentSyntaxException(ErrorCode.InvalidKeyValue,
                    $"Syntax error - can't find = in {GoQuote.Quote(word)}. Must be of the form: name=value",
                    "quote values that contain spaces: name=\"a value\"", at >= 0 ? at : null);
            }

            result.Add(word[..eq]);
            result.Add(word[(eq + 1)..]);
            result.Add("=");
        }

        return result;
    }

    private static (IReadOnlyList<string>, bool) Healthcheck(string rest)
    {
        var sep = 0;
        while (sep < rest.Length && !char.IsWhiteSpace(rest[sep]))
        {
            sep++;
        }

        if (sep == 0)
        {
            return ([], false);
        }

        var next = sep;
        while (next < rest.Length && char.IsWhiteSpace(rest[next]))
        {
            next++;
        }

        var (cmd, isJson) = MaybeJson(rest[next..]);
        return ([rest[..sep], .. cmd], isJson);
    }
}

/// <summary>An argument that cannot be split; the parser adds the location
/// (<see cref="Offset"/> into the argument text when the culprit is known).</summary>
internal sealed class ArgumentSyntaxException(ErrorCode code, string message, string? hint, int? offset = null) : Exception(message)
{
    public ErrorCode Code { get; } = code;

    public string? Hint { get; } = hint;

    public int? Offset { get; } = offset;
}
