using System.Text;

namespace ImageBuilder.Dockerfile.Instructions;

/// <summary>
/// The checks BuildKit makes on <c>RUN --mount=…</c> while parsing (before any variable is
/// known): the value is one CSV record of <c>key=value</c> fields, the type is known, and
/// <c>from</c> takes no variables (use a stage alias instead).
/// </summary>
internal static class RunMountCheck
{
    private static readonly HashSet<string> Types = new(StringComparer.Ordinal) { "bind", "cache", "tmpfs", "secret", "ssh" };

    public static void Validate(string mount)
    {
        foreach (var field in SplitCsv(mount))
        {
            var eq = field.IndexOf('=');
            var key = (eq >= 0 ? field[..eq] : field).ToLowerInvariant();
            var value = eq >= 0 ? field[(eq + 1)..] : "";
            if (key == "type" && !Types.Contains(value))
            {
                throw Invalid($"unsupported mount type \"{value}\"", "types are bind, cache, tmpfs, secret and ssh");
            }

            var dollar = value.IndexOf('$');
            if (key == "from" && dollar >= 0 && dollar + 1 < value.Length)
            {
                throw Invalid("'from' doesn't support variable expansion, define alias stage instead",
                    "add FROM ${VAR} AS alias and use from=alias");
            }
        }
    }

    /// <summary>Splits one record the way Go's encoding/csv does (quotes, "" inside quotes).</summary>
    internal static List<string> SplitCsv(string text)
    {
        var fields = new List<string>();
        var i = 0;
        while (true)
        {
            var field = new StringBuilder();
            if (i < text.Length && text[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        throw Invalid($"extraneous or missing \" in quoted-field: {text}", "close the quotes in --mount");
                    }

                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    field.Append(text[i++]);
                }

                if (i < text.Length && text[i] != ',')
                {
                    throw Invalid($"extraneous or missing \" in quoted-field: {text}", "close the quotes in --mount");
                }
            }
            else
            {
                while (i < text.Length && text[i] != ',')
                {
                    if (text[i] == '"')
                    {
                        throw Invalid($"bare \" in non-quoted-field: {text}", "quote the whole field: \"key=a,b\"");
                    }

                    field.Append(text[i++]);
                }
            }

            fields.Add(field.ToString());
            if (i >= text.Length)
            {
                return fields;
            }

            i++;
        }
    }

    private static InstructionException Invalid(string message, string hint) =>
        new(ErrorCode.InvalidFlagValue, message, hint);
}
