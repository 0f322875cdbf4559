namespace ImageBuilder.Cli.Commands;

/// <summary>
/// <c>ibuild build --call=NAME[,format=text|json]</c> (and <c>--check</c>, short for <c>--call=check</c>):
/// what the build is asked for, as <c>docker buildx build --call</c>. <c>build</c> (the default) builds;
/// <c>check</c>, <c>outline</c> and <c>targets</c> answer from the Dockerfile alone: no step runs, no
/// image is stored, the store is not opened.
/// </summary>
internal sealed record BuildCall(string Name, bool Json)
{
    public static readonly BuildCall Build = new("build", false);

    private static readonly string[] Names = ["build", "check", "outline", "targets"];

    public bool IsBuild => Name == "build";

    public static BuildCall Read(ArgumentReader reader)
    {
        var spec = reader.Get("--call");
        if (reader.Has("--check"))
        {
            return spec is null || Parse(spec).Name == "check" ? Parse(spec ?? "check")
                : throw new UsageException($"build: --check is --call=check; it cannot go with --call={spec}");
        }

        return spec is null ? Build : Parse(spec);
    }

    private static BuildCall Parse(string spec)
    {
        string? name = null;
        var format = "text";
        foreach (var field in spec.Split(','))
        {
            var pair = field.Split('=', 2);
            if (pair.Length == 1 && field.Length > 0)
            {
                name = name is null ? field : throw new UsageException($"build: --call \"{spec}\" names two calls ({name}, {field})");
            }
            else if (pair[0] == "format")
            {
                format = pair[1];
            }
            else
            {
                throw new UsageException($"build: --call \"{spec}\" has an unknown field \"{field}\" (give NAME[,format=text|json])");
            }
        }

        if (name is null || !Names.Contains(name))
        {
            throw new UsageException($"build: --call \"{name ?? spec}\" is not a call ibuild knows: build, check, outline or targets");
        }

        return format switch
        {
            "text" => new BuildCall(name, false),
            "json" when name is "outline" or "targets" => new BuildCall(name, true),
            "json" => throw new UsageException($"build: --call={name} prints text only (format=json is for outline and targets)"),
            _ => throw new UsageException($"build: --call format \"{format}\" is not known: text or json"),
        };
    }
}
