namespace ImageBuilder.Build.Copying;

/// <summary>
/// A --chmod value: octal (<c>755</c>, <c>0644</c>, <c>4755</c>) sets the permission bits outright;
/// symbolic (<c>u+x</c>, <c>a+rX,go-w</c>, <c>g=u</c>, as chmod(1) and BuildKit's labs syntax
/// take it) changes each entry's own bits, and <c>X</c> adds execute only to directories and to
/// files someone can already execute. A clause without who applies to all (no umask).
/// </summary>
internal sealed class ModeSpec
{
    private readonly int? absolute;
    private readonly List<Clause> clauses = [];

    private ModeSpec(int? absolute) => this.absolute = absolute;

    private sealed record Clause(int Who, char Op, int Permissions, char CopyFrom, bool ConditionalExecute);

    public static ModeSpec? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (text.All(c => c is >= '0' and <= '7'))
        {
            var value = text.TrimStart('0') is { Length: <= 4 } digits ? (digits.Length == 0 ? 0 : Convert.ToInt32(digits, 8)) : int.MaxValue;
            return value <= 0xFFF ? new ModeSpec(value) : throw Invalid(text);
        }

        var spec = new ModeSpec(null);
        foreach (var part in text.Split(','))
        {
            var i = 0;
            var who = 0;
            for (; i < part.Length && part[i] is 'u' or 'g' or 'o' or 'a'; i++)
            {
                who |= part[i] switch { 'u' => 0x9C0, 'g' => 0x438, 'o' => 0x207, _ => 0xFFF };
            }

            if (who == 0)
            {
                who = 0xFFF;
            }

            if (i >= part.Length)
            {
                throw Invalid(text);
            }

            while (i < part.Length)
            {
                var op = part[i++];
                if (op is not ('+' or '-' or '='))
                {
                    throw Invalid(text);
                }

                var permissions = 0;
                var copyFrom = '\0';
                var conditional = false;
                for (; i < part.Length && part[i] is not ('+' or '-' or '='); i++)
                {
                    switch (part[i])
                    {
                        case 'r': permissions |= 0x124; break;
                        case 'w': permissions |= 0x92; break;
                        case 'x': permissions |= 0x49; break;
                        case 'X': conditional = true; break;
                        case 's': permissions |= 0xC00; break;
                        case 't': permissions |= 0x200; break;
                        case 'u' or 'g' or 'o' when copyFrom == '\0' && permissions == 0: copyFrom = part[i]; break;
                        default: throw Invalid(text);
                    }
                }

                spec.clauses.Add(new Clause(who, op, permissions, copyFrom, conditional));
            }
        }

        return spec;
    }

    /// <summary>The permission bits (07777) an entry gets, from its own bits.</summary>
    public int Apply(int mode, bool isDirectory)
    {
        if (absolute is { } fixedBits)
        {
            return fixedBits;
        }

        foreach (var clause in clauses)
        {
            var bits = clause.Permissions;
            if (clause.CopyFrom != '\0')
            {
                var source = clause.CopyFrom switch { 'u' => (mode >> 6) & 7, 'g' => (mode >> 3) & 7, _ => mode & 7 };
                bits |= (source << 6) | (source << 3) | source;
            }

            if (clause.ConditionalExecute && (isDirectory || (mode & 0x49) != 0))
            {
                bits |= 0x49;
            }

            bits &= clause.Who;
            mode = clause.Op switch
            {
                '+' => mode | bits,
                '-' => mode & ~bits,
                _ => (mode & ~clause.Who) | bits,
            };
        }

        return mode & 0xFFF;
    }

    private static CopyException Invalid(string text) => new($"invalid chmod parameter: \"{text}\"");
}
