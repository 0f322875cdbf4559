namespace ImageBuilder.Dockerfile.Instructions;

/// <summary>
/// The flags one instruction accepts (<c>--from=x</c>, bare <c>--link</c>) and the
/// values given, with BuildKit's rules: unknown flags, missing values, bad booleans and
/// repeats (except list flags such as <c>--mount</c>) are errors.
/// </summary>
internal sealed class BuilderFlagSet
{
    private enum Kind
    {
        Bool,
        String,
        List,
    }

    private readonly Dictionary<string, Kind> declared = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> values = new(StringComparer.Ordinal);

    public BuilderFlagSet Bool(string name) => Declare(name, Kind.Bool);

    public BuilderFlagSet String(string name) => Declare(name, Kind.String);

    public BuilderFlagSet List(string name) => Declare(name, Kind.List);

    public IEnumerable<string> Names => declared.Keys;

    /// <exception cref="FlagException">A flag is unknown, repeated or has a bad value.</exception>
    public void Parse(string keyword, IReadOnlyList<string> flags)
    {
        foreach (var flag in flags)
        {
            if (!flag.StartsWith("--", StringComparison.Ordinal))
            {
                throw new FlagException(ErrorCode.UnknownFlag, $"arg should start with -- : {flag}", null);
            }

            var body = flag[2..];
            var eq = body.IndexOf('=');
            var name = eq >= 0 ? body[..eq] : body;
            var value = eq >= 0 ? body[(eq + 1)..] : null;
            if (!declared.TryGetValue(name, out var kind))
            {
                throw new FlagException(ErrorCode.UnknownFlag, $"unknown flag: --{name}", Suggest(keyword, name));
            }

            if (values.ContainsKey(name) && kind != Kind.List)
            {
                throw new FlagException(ErrorCode.InvalidFlagValue, $"duplicate flag specified: --{name}",
                    $"give --{name} once");
            }

            var list = values.TryGetValue(name, out var existing) ? existing : values[name] = [];
            switch (kind)
            {
                case Kind.Bool:
                    if (value == "")
                    {
                        throw new FlagException(ErrorCode.InvalidFlagValue, $"missing a value on flag: --{name}",
                            $"write --{name} or --{name}=true|false");
                    }

                    list.Add((value?.ToLowerInvariant()) switch
                    {
                        null or "true" => "true",
                        "false" => "false",
                        _ => throw new FlagException(ErrorCode.InvalidFlagValue,
                            $"expecting boolean value for flag {name}, not: {value}", $"write --{name}=true or --{name}=false"),
                    });
                    break;
                default:
                    if (value is null)
                    {
                        throw new FlagException(ErrorCode.InvalidFlagValue, $"missing a value on flag: --{name}",
                            $"write --{name}=<value>");
                    }

                    list.Add(value);
                    break;
            }
        }
    }

    public string? GetString(string name) => values.TryGetValue(name, out var v) ? v[^1] : null;

    public bool GetBool(string name) => values.TryGetValue(name, out var v) && v[^1] == "true";

    public bool? GetOptionalBool(string name) => values.TryGetValue(name, out var v) ? v[^1] == "true" : null;

    public IReadOnlyList<string> GetList(string name) => values.TryGetValue(name, out var v) ? v : [];

    public bool IsSet(string name) => values.ContainsKey(name);

    private BuilderFlagSet Declare(string name, Kind kind)
    {
        declared[name] = kind;
        return this;
    }

    private string? Suggest(string keyword, string name)
    {
        if (declared.Count == 0)
        {
            return $"{keyword} takes no flags";
        }

        var best = NameSuggestion.Closest(name, declared.Keys);
        var all = string.Join(", ", declared.Keys.Order(StringComparer.Ordinal).Select(n => "--" + n));
        return best is null ? $"{keyword} accepts {all}" : $"did you mean --{best}? {keyword} accepts {all}";
    }
}

/// <summary>A flag problem; the instruction parser adds the location.</summary>
internal sealed class FlagException(ErrorCode code, string message, string? hint) : Exception(message)
{
    public ErrorCode Code { get; } = code;

    public string? Hint { get; } = hint;
}
