using System.Globalization;
using ImageBuilder.Application;
using ImageBuilder.Application.Registries;
using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Dockerfile.Instructions;
using ImageBuilder.Planning;

namespace ImageBuilder.Cli.Commands;

/// <summary>The build command's options, checked: what shapes the plan, how the engine runs, and what happens to the image.</summary>
internal sealed record BuildSettings(
    PlanOptions Plan, EngineOptions Engine, IReadOnlyList<ImageReference> Tags, BuildOutput? Output, string Progress)
{
    /// <summary><c>--platform a,b,…</c> with more than one platform (see <see cref="BuildRequest.Platforms"/>).</summary>
    public IReadOnlyList<Platform> Platforms { get; init; } = [];

    /// <summary><c>--pull=missing|always|never</c>: when FROM (and --from) images are pulled.</summary>
    public PullPolicy Pull { get; init; } = PullPolicy.Missing;

    /// <summary><c>--push</c>: push the image under every -t name.</summary>
    public bool Push { get; init; }

    /// <summary><c>--cache-from type=registry,ref=R</c> (repeatable).</summary>
    public IReadOnlyList<CacheSpec> CacheFrom { get; init; } = [];

    /// <summary><c>--cache-to type=registry,ref=R[,mode=min|max]</c>.</summary>
    public CacheSpec? CacheTo { get; init; }

    /// <summary><c>--tls-verify</c>, <c>--insecure-registry</c>, <c>--authfile</c>.</summary>
    public RegistrySettings Registries { get; init; } = RegistrySettings.Default;

    /// <summary><c>--trace FILE</c>: where the build's trace goes.</summary>
    public string? Trace { get; init; }

    /// <summary><c>--ssh ID[=PATH,…]</c> (repeatable).</summary>
    public IReadOnlyList<SshAgentSpec> Ssh { get; init; } = [];
    /// <summary><c>--provenance</c> (or <c>--attest type=provenance,…</c>); null when neither is given.</summary>
    public Application.Provenance.ProvenanceOption? Provenance { get; init; }

    /// <summary>The build the application layer runs: these settings over a parsed Dockerfile and its context.</summary>
    public BuildRequest ToRequest(string? root, string contextDir, string? dockerfilePath, DockerfileDocument document) =>
        new(root, contextDir, dockerfilePath, document, Plan, Engine)
        {
            Platforms = Platforms,
            Tags = Tags,
            Output = Output,
            Pull = Pull,
            Push = Push,
            CacheFrom = CacheFrom,
            CacheTo = CacheTo,
            Registries = Registries,
            TracePath = Trace,
            Ssh = Ssh,
            Provenance = Provenance,
        };

    public static BuildSettings Read(ArgumentReader reader)
    {
        var platforms = ParsePlatforms(reader.GetAll("--platform"));
        var platform = platforms.Count > 0 ? platforms[0] : Platform.Current;

        var network = NetworkOption.Read(reader, "build");

        var plan = new PlanOptions
        {
            Target = reader.Get("--target"),
            BuildArgs = BuildArgs(reader.GetAll("--build-arg")),
            Labels = Pairs(reader.GetAll("--label"), "--label"),
            Platform = platform,
            Entitlements = Allowed(reader.GetAll("--allow"), network),
            Contexts = NamedContexts(reader.GetAll("--build-context")),
        };

        var jobs = reader.Get("--jobs") is { } j
            ? int.TryParse(j, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new UsageException($"build: --jobs takes a positive number, not {j}")
            : EngineOptions.DefaultJobs;
        var engine = new EngineOptions
        {
            Jobs = jobs,
            NoCache = reader.Has("--no-cache"),
            Network = network,
            Limits = LimitOptions.Read(reader, "build") is { } limits ? new StepLimits(limits.MemoryBytes, limits.PidsLimit, limits.Cpus) : null,
            SourceDateEpoch = SourceDateEpochVariable.Read(),
            Secrets = SecretOptions.Read(reader.GetAll("--secret")),
        };

        var progress = reader.Get("--progress") ?? "auto";
        if (progress is not ("auto" or "plain" or "tty" or "quiet"))
        {
            throw new UsageException($"build: --progress must be auto, plain, tty or quiet, not {progress}");
        }

        var tags = reader.GetAll("--tag").Select(StoreCommands.ParseReference).ToList();
        var output = reader.Get("--output") is { } spec ? ParseOutput(spec) : null;
        if (platforms.Count > 1 && output is { Type: not ("oci" or "registry") })
        {
            throw new UsageException(
                $"build: --output type={output.Type} holds one platform's image, and --platform asks for {platforms.Count}: use type=oci (the index and every image), or one --platform");
        }

        var pull = reader.Get("--pull") switch
        {
            null or "missing" => PullPolicy.Missing,
            "always" or "true" => PullPolicy.Always,
            "never" or "false" => PullPolicy.Never,
            var other => throw new UsageException($"build: --pull must be missing, always or never, not {other}"),
        };
        var push = reader.Has("--push");
        if (push && reader.GetAll("--tag").Count == 0)
        {
            throw new UsageException("build: --push needs a name to push to (-t REGISTRY/NAME:TAG)");
        }

        return new BuildSettings(plan, engine, tags, output, progress)
        {
            Platforms = platforms.Count > 1 ? platforms : [],
            Pull = pull,
            Push = push,
            CacheFrom = reader.GetAll("--cache-from").Select(c => ParseCache(c, "--cache-from")).ToList(),
            CacheTo = reader.Get("--cache-to") is { } to ? ParseCache(to, "--cache-to") : null,
            Registries = RegistryOptions.Read(reader, "build"),
            Trace = reader.Get("--trace") is { Length: 0 } ? throw new UsageException("build: --trace needs a FILE") : reader.Get("--trace"),
            Ssh = SshOptions.Read(reader.GetAll("--ssh")),
            Provenance = ReadProvenance(reader),
        };
    }

    /// <summary><c>--build-context NAME=VALUE</c> (repeatable); a directory is relative to the current directory.</summary>
    private static IReadOnlyDictionary<string, NamedContext> NamedContexts(IReadOnlyList<string> values)
    {
        try
        {
            return BuildContextValues.ParseAll(values, Directory.GetCurrentDirectory());
        }
        catch (BuildContextValueException e)
        {
            throw new UsageException("build: " + e.Message);
        }
    }

    /// <summary><c>--provenance=true|false|mode=min|max[,builder-id=URI]</c>, or buildx's <c>--attest type=provenance,…</c>; the last one given wins.</summary>
    private static Application.Provenance.ProvenanceOption? ReadProvenance(ArgumentReader reader)
    {
        var attest = reader.GetAll("--attest");
        foreach (var spec in attest)
        {
            if (!OptionFields.Parse(spec, "--attest").TryGetValue("type", out var type) || type != "provenance")
            {
                throw new UsageException($"build: --attest {spec}: only type=provenance is supported (an SBOM is not made)");
            }
        }

        var given = reader.Get("--provenance") ?? attest.LastOrDefault();
        try
        {
            return given is null ? null : Application.Provenance.ProvenanceOption.Parse(given);
        }
        catch (FormatException e)
        {
            throw new UsageException($"build: --provenance {given}: {e.Message}");
        }
    }

    /// <summary>
    /// <c>--allow NAME[,NAME]</c> (repeatable). <c>--network host</c> grants <c>network.host</c> too, as
    /// buildx does: whoever chose the host's network for every step allows a step to ask for it.
    /// </summary>
    private static HashSet<Entitlement> Allowed(IReadOnlyList<string> items, NetworkMode network)
    {
        var allowed = new HashSet<Entitlement>();
        foreach (var name in items.SelectMany(i => i.Split(',')))
        {
            allowed.Add(Entitlements.Parse(name.Trim()) ?? throw new UsageException(
                $"build: --allow {name} is not an entitlement (known: {string.Join(", ", Entitlements.All.Select(e => e.Name()))})"));
        }

        if (network == NetworkMode.Host)
        {
            allowed.Add(Entitlement.NetworkHost);
        }

        return allowed;
    }

    /// <summary><c>--platform os/arch[/variant][,…]</c> (repeatable, as buildx): each platform once, in order.</summary>
    private static List<Platform> ParsePlatforms(IReadOnlyList<string> items)
    {
        var platforms = new List<Platform>();
        foreach (var text in items.SelectMany(i => i.Split(',')).Select(t => t.Trim()))
        {
            if (!Platform.TryParse(text, out var platform))
            {
                throw new UsageException($"build: --platform \"{text}\" is not a platform (os/arch[/variant], e.g. linux/arm64; several: linux/amd64,linux/arm64)");
            }

            if (!platforms.Exists(p => p.ToString() == platform.ToString()))
            {
                platforms.Add(platform);
            }
        }

        return platforms;
    }

    /// <summary>K=V, or K alone for the value of ibuild's own environment variable K (skipped when unset), as docker does.</summary>
    internal static Dictionary<string, string> BuildArgs(IReadOnlyList<string> items)
    {
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var eq = item.IndexOf('=');
            if (eq == 0)
            {
                throw new UsageException($"build: --build-arg \"{item}\" has no name");
            }

            if (eq > 0)
            {
                args[item[..eq]] = item[(eq + 1)..];
            }
            else if (Environment.GetEnvironmentVariable(item) is { } value)
            {
                args[item] = value;
            }
        }

        return args;
    }

    private static Dictionary<string, string> Pairs(IReadOnlyList<string> items, string option)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var eq = item.IndexOf('=');
            if (eq <= 0)
            {
                throw new UsageException($"build: {option} takes K=V, not \"{item}\"");
            }

            pairs[item[..eq]] = item[(eq + 1)..];
        }

        return pairs;
    }

    /// <summary><c>type=registry,ref=R[,mode=min|max]</c> of --cache-to and --cache-from.</summary>
    private static CacheSpec ParseCache(string spec, string option)
    {
        var fields = OptionFields.Parse(spec, option);
        var max = fields.GetValueOrDefault("mode") switch
        {
            null or "min" => false,
            "max" => true,
            var other => throw new UsageException($"build: {option} mode={other} is not min or max"),
        };
        var mounts = fields.GetValueOrDefault("mounts") switch
        {
            null or "false" => false,
            "true" when option == "--cache-to" => true,
            "true" => throw new UsageException($"build: {option} takes no mounts= (the cache mounts a cache holds are restored anyway)"),
            var other => throw new UsageException($"build: {option} mounts={other} is not true or false"),
        };
        switch (fields.GetValueOrDefault("type"))
        {
            case "registry":
                var reference = fields.GetValueOrDefault("ref") is { Length: > 0 } r ? StoreCommands.ParseReference(r) : throw new UsageException($"build: {option} needs ref=REF");
                return new CacheSpec(reference, max) { Mounts = mounts };
            case "local":
                // BuildKit's names: a local cache is exported to dest= and imported from src=.
                var key = option == "--cache-to" ? "dest" : "src";
                var directory = fields.GetValueOrDefault(key) is { Length: > 0 } d ? Path.GetFullPath(d) : throw new UsageException($"build: {option} type=local needs {key}=DIR");
                return new CacheSpec(null, max) { Directory = directory, Mounts = mounts };
            default:
                throw new UsageException($"build: {option} supports type=registry,ref=REF and type=local,{(option == "--cache-to" ? "dest" : "src")}=DIR, not \"{spec}\"");
        }
    }

    /// <summary>
    /// <c>--output type=oci|docker|tar|local,dest=…[,compression=gzip|zstd|uncompressed]</c> or
    /// <c>type=registry,name=REF</c>: layers gzip-compressed for oci and uncompressed for docker
    /// unless <c>compression=</c> says otherwise, as BuildKit and docker save do.
    /// </summary>
    private static BuildOutput ParseOutput(string spec)
    {
        var fields = OptionFields.Parse(spec, "--output");
        var type = fields.GetValueOrDefault("type") ?? throw new UsageException($"build: --output needs type=…, in \"{spec}\"");
        if (type is not ("oci" or "docker" or "tar" or "local" or "registry"))
        {
            throw new UsageException($"build: --output type={type} is not supported (oci, docker, tar, local or registry)");
        }

        if (type == "registry")
        {
            var name = fields.GetValueOrDefault("name") is { Length: > 0 } n ? n : throw new UsageException("build: --output type=registry needs name=REF");
            StoreCommands.ParseReference(name);
            return new BuildOutput(type, name, LayerCompression.Gzip);
        }

        var dest = fields.GetValueOrDefault("dest") is { Length: > 0 } d ? d : throw new UsageException($"build: --output type={type} needs dest=…");
        var compression = fields.GetValueOrDefault("compression") switch
        {
            null => type == "oci" ? LayerCompression.Gzip : LayerCompression.None,
            "gzip" => LayerCompression.Gzip,
            "zstd" => LayerCompression.Zstd,
            "uncompressed" => LayerCompression.None,
            var other => throw new UsageException($"build: --output compression={other} is not gzip, zstd or uncompressed"),
        };
        return new BuildOutput(type, dest, compression);
    }
}
