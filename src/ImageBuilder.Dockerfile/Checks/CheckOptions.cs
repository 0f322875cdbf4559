namespace ImageBuilder.Dockerfile.Checks;

/// <summary>
/// What <c># check=skip=A,B;error=true;experimental=C</c> says (BuildKit's lint options), or the
/// same text given for one instruction in a comment right above it.
/// </summary>
public sealed record CheckOptions
{
    public static readonly CheckOptions Default = new();

    public bool SkipAll { get; init; }

    public IReadOnlySet<string> Skip { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    public bool ExperimentalAll { get; init; }

    public IReadOnlySet<string> Experimental { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    public bool Error { get; init; }

    /// <summary>Whether <paramref name="rule"/> runs: experimental rules only when named, the others unless skipped.</summary>
    public bool Enables(CheckRule rule) =>
        rule.Experimental ? ExperimentalAll || Experimental.Contains(rule.Name) : !SkipAll && !Skip.Contains(rule.Name);

    /// <summary>These options with <paramref name="other"/>'s skips and experiments added (error stays).</summary>
    public CheckOptions Merge(CheckOptions other) => this with
    {
        SkipAll = SkipAll || other.SkipAll,
        Skip = Skip.Union(other.Skip).ToHashSet(StringComparer.Ordinal),
        ExperimentalAll = ExperimentalAll || other.ExperimentalAll,
        Experimental = Experimental.Union(other.Experimental).ToHashSet(StringComparer.Ordinal),
    };

    /// <summary>Parses a check value; null when it is not valid (the directive's validation reports why).</summary>
    public static CheckOptions? Parse(string value)
    {
        var options = new CheckOptions();
        if (value.Trim().Length == 0)
        {
            return options;
        }

        foreach (var part in value.Split(';', 3))
        {
            var eq = part.IndexOf('=');
            if (eq < 0)
            {
                return null;
            }

            var setting = part[(eq + 1)..].Trim();
            var names = setting.Split(',').Select(n => n.Trim()).ToHashSet(StringComparer.Ordinal);
            switch (part[..eq].Trim())
            {
                case "skip":
                    options = setting == "all" ? options with { SkipAll = true } : options with { Skip = names };
                    break;
                case "experimental":
                    options = setting == "all" ? options with { ExperimentalAll = true } : options with { Experimental = names };
                    break;
                case "error" when ParseBool(setting) is { } error:
                    options = options with { Error = error };
                    break;
                default:
                    return null;
            }
        }

        return options;
    }

    private static bool? ParseBool(string text) => text switch
    {
        "1" or "t" or "T" or "TRUE" or "true" or "True" => true,
        "0" or "f" or "F" or "FALSE" or "false" or "False" => false,
        _ => null,
    };
}
