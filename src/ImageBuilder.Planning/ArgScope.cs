using ImageBuilder.Core.Oci;

namespace ImageBuilder.Planning;

/// <summary>
/// The build arguments of one scope, with BuildKit's rules: a declared ARG takes the
/// <c>--build-arg</c> value, else its default, else (without a default) the global ARG of that
/// name; the platform ARGs are predefined in the global scope and must be declared again inside a
/// stage; the proxy variables may be passed without any declaration and then reach RUN steps but
/// not the cache key or the history.
/// </summary>
internal sealed class ArgScope
{
    public static readonly IReadOnlySet<string> ProxyArgs = new HashSet<string>(StringComparer.Ordinal)
    {
        "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
        "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
    };

    private readonly IReadOnlyDictionary<string, string> buildArgs;
    private readonly ArgScope? global;
    private readonly Dictionary<string, string?> declared = new(StringComparer.Ordinal);
    private readonly List<string> order = [];

    private ArgScope(IReadOnlyDictionary<string, string> buildArgs, ArgScope? global)
    {
        this.buildArgs = buildArgs;
        this.global = global;
    }

    /// <summary>The names the user passed with --build-arg that some scope consumed.</summary>
    public HashSet<string> Used { get; private init; } = new(StringComparer.Ordinal);

    /// <summary>The global scope: the automatic platform ARGs, before any ARG line.</summary>
    public static ArgScope Global(IReadOnlyDictionary<string, string> buildArgs, Platform target)
    {
        var scope = new ArgScope(buildArgs, null);
        foreach (var (name, value) in PlatformArgs(target))
        {
            scope.declared[name] = value;
        }

        return scope;
    }

    /// <summary>A stage's scope: empty, but able to import global values.</summary>
    public ArgScope ForStage() => new(buildArgs, this) { Used = Used };

    /// <summary>
    /// The scope of a stage built <c>FROM</c> this stage: it starts with this stage's ARGs and
    /// their values, which reach its RUN steps and history, as in BuildKit.
    /// </summary>
    public ArgScope Inherit()
    {
        var copy = new ArgScope(buildArgs, global) { Used = Used };
        foreach (var name in order)
        {
            copy.order.Add(name);
            copy.declared[name] = declared[name];
        }

        return copy;
    }

    public void Declare(string name, string? defaultValue)
    {
        string? value;
        if (buildArgs.TryGetValue(name, out var given))
        {
            value = given;
            Used.Add(name);
        }
        else if (defaultValue is not null)
        {
            value = defaultValue;
        }
        else
        {
            value = global?.Get(name);
        }

        if (!declared.ContainsKey(name))
        {
            order.Add(name);
        }

        declared[name] = value;
    }

    public bool IsDeclared(string name) => declared.ContainsKey(name);

    public string? Get(string name) => declared.TryGetValue(name, out var value) ? value : null;

    /// <summary>Declared names that have a value, in the order they were first declared.</summary>
    public IEnumerable<KeyValuePair<string, string>> Values() =>
        order.Where(n => declared[n] is not null).Select(n => new KeyValuePair<string, string>(n, declared[n]!));

    /// <summary>Every declared name in the order first declared, with its value or null (for RUN's history text).</summary>
    public IEnumerable<KeyValuePair<string, string?>> Declarations() =>
        order.Select(n => new KeyValuePair<string, string?>(n, declared[n]));

    /// <summary>Every name with a value, for expanding FROM lines (platform ARGs included).</summary>
    public Dictionary<string, string> ForExpansion()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in declared)
        {
            if (value is not null)
            {
                env[name] = value;
            }
        }

        return env;
    }

    /// <summary>Proxy variables given as build args but never declared: they reach RUN only.</summary>
    public IEnumerable<KeyValuePair<string, string>> UndeclaredProxies() =>
        buildArgs.Where(a => ProxyArgs.Contains(a.Key) && !declared.ContainsKey(a.Key)).OrderBy(a => a.Key, StringComparer.Ordinal);

    private static IEnumerable<(string, string)> PlatformArgs(Platform target)
    {
        var build = Platform.Current;
        string Text(Platform p) => p.Variant is null ? $"{p.Os}/{p.Architecture}" : $"{p.Os}/{p.Architecture}/{p.Variant}";
        yield return ("BUILDPLATFORM", Text(build));
        yield return ("BUILDOS", build.Os);
        yield return ("BUILDARCH", build.Architecture);
        yield return ("BUILDVARIANT", build.Variant ?? "");
        yield return ("TARGETPLATFORM", Text(target));
        yield return ("TARGETOS", target.Os);
        yield return ("TARGETARCH", target.Architecture);
        yield return ("TARGETVARIANT", target.Variant ?? "");
    }
}
