namespace ImageBuilder.Cli.Commands;

/// <summary>
/// The <c>key=value,key=value</c> fields of <c>--output</c>, <c>--secret</c>, <c>--cache-to</c> and
/// <c>--cache-from</c>. A field without a name, an empty field or a key given twice is a usage error.
/// </summary>
internal static class OptionFields
{
    public static Dictionary<string, string> Parse(string spec, string option)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in spec.Split(','))
        {
            var pair = field.Split('=', 2);
            if (pair[0].Length == 0)
            {
                throw new UsageException(field.Length == 0
                    ? $"build: {option} \"{spec}\" has an empty field (two commas, or one at an end)"
                    : $"build: {option} \"{spec}\" has a field without a name (\"{field}\")");
            }

            if (!fields.TryAdd(pair[0], pair.Length > 1 ? pair[1] : ""))
            {
                throw new UsageException($"build: {option} \"{spec}\" gives {pair[0]}= twice");
            }
        }

        return fields;
    }
}
