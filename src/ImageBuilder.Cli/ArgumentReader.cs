namespace ImageBuilder.Cli;

/// <summary>
/// Reads one command's arguments: options as <c>--name value</c> or <c>--name=value</c>,
/// short aliases, switches, and positional arguments in order. <c>--root DIR</c> is
/// understood by every command. Anything unknown is a <see cref="UsageException"/>, and so is
/// an empty value (<c>-f ''</c>, <c>--root=</c>): no option of ibuild takes one.
/// </summary>
internal sealed class ArgumentReader
{
    private readonly string command;
    private readonly Dictionary<string, string> aliases = new(StringComparer.Ordinal);
    private readonly HashSet<string> switches = new(StringComparer.Ordinal);
    private readonly HashSet<string> valued = new(StringComparer.Ordinal) { "--root" };
    private readonly Dictionary<string, List<string>> values = new(StringComparer.Ordinal);
    private readonly List<string> positionals = [];

    public ArgumentReader(string command) => this.command = command;

    public ArgumentReader Switch(string name, string? alias = null) => Declare(switches, name, alias);

    public ArgumentReader Option(string name, string? alias = null) => Declare(valued, name, alias);

    /// <summary>Reads <paramref name="args"/>; returns false when help was asked for.</summary>
    public bool Read(IReadOnlyList<string> args, int maxPositionals = int.MaxValue, bool stopAtFirstPositional = false)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (stopAtFirstPositional && positionals.Count > 0)
            {
                positionals.Add(arg);
                continue;
            }

            if (arg is "-h" or "--help")
            {
                return false;
            }

            if (arg == "--")
            {
                positionals.AddRange(args.Skip(i + 1));
                break;
            }

            if (arg.Length > 1 && arg[0] == '-')
            {
                var eq = arg.IndexOf('=');
                var name = eq > 0 ? arg[..eq] : arg;
                name = aliases.GetValueOrDefault(name, name);
                if (switches.Contains(name) && eq < 0)
                {
                    Add(name, "true");
                }
                else if (valued.Contains(name))
                {
                    var value = eq > 0 ? arg[(eq + 1)..]
                        : i + 1 < args.Count ? args[++i]
                        : throw new UsageException($"{command}: {name} needs a value");
                    Add(name, value.Length > 0 ? value : throw new UsageException($"{command}: {name} needs a value, not an empty string"));
                }
                else
                {
                    throw new UsageException($"{command}: unknown option {arg}");
                }

                continue;
            }

            positionals.Add(arg);
        }

        if (positionals.Count > maxPositionals && !stopAtFirstPositional)
        {
            throw new UsageException($"{command}: too many arguments ({string.Join(' ', positionals.Skip(maxPositionals))})");
        }

        return true;
    }

    public IReadOnlyList<string> Positionals => positionals;

    public bool Has(string name) => values.ContainsKey(name);

    public string? Get(string name) => values.TryGetValue(name, out var list) ? list[^1] : null;

    public IReadOnlyList<string> GetAll(string name) => values.TryGetValue(name, out var list) ? list : [];

    public string? Root => Get("--root");

    private void Add(string name, string value)
    {
        if (!values.TryGetValue(name, out var list))
        {
            values[name] = list = [];
        }

        list.Add(value);
    }

    private ArgumentReader Declare(HashSet<string> set, string name, string? alias)
    {
        set.Add(name);
        if (alias is not null)
        {
            aliases[alias] = name;
        }

        return this;
    }
}
