using ImageBuilder.Registry;
using ImageBuilder.Registry.Auth;

namespace ImageBuilder.Cli.Registries;

/// <summary>
/// How a command reaches registries: <c>--tls-verify</c>, <c>--insecure-registry HOST</c>
/// (repeatable) and <c>--authfile FILE</c> (a docker config.json; default
/// <c>$DOCKER_CONFIG/config.json</c>, else <c>~/.docker/config.json</c>). One client per
/// registry for the whole command, so tokens are asked for once.
/// </summary>
internal sealed class RegistryAccess : IDisposable
{
    public const string OptionsHelp = """
          --tls-verify=false       accept any certificate from the registry
          --insecure-registry HOST speak plain HTTP (or unverified TLS) to HOST[:PORT] (repeatable; loopback always may)
          --authfile FILE          the docker config.json with credentials (default $DOCKER_CONFIG/config.json, ~/.docker/config.json)
        """;

    private readonly Dictionary<string, RegistryClient> clients = new(StringComparer.Ordinal);

    public RegistryAccess(bool tlsVerify, IReadOnlyCollection<string> insecureRegistries, string? authFile)
    {
        Credentials = authFile is null ? CredentialStore.Default() : new CredentialStore(Path.GetFullPath(authFile));
        Options = new RegistryClientOptions
        {
            Credentials = Credentials,
            TlsVerify = tlsVerify,
            InsecureRegistries = insecureRegistries,
            UserAgent = "ibuild",
        };
    }

    public CredentialStore Credentials { get; }

    public RegistryClientOptions Options { get; }

    /// <summary>Declares the registry options on a command's reader.</summary>
    public static ArgumentReader Declare(ArgumentReader reader) =>
        reader.Option("--tls-verify").Option("--insecure-registry").Option("--authfile");

    public static RegistryAccess From(ArgumentReader reader, string command)
    {
        var verify = reader.Get("--tls-verify") switch
        {
            null or "true" => true,
            "false" => false,
            var other => throw new UsageException($"{command}: --tls-verify takes true or false, not {other}"),
        };
        return new RegistryAccess(verify, reader.GetAll("--insecure-registry"), reader.Get("--authfile"));
    }

    /// <summary>The client of <paramref name="registry"/> (as references name it), made on first use.</summary>
    public RegistryClient Client(string registry)
    {
        lock (clients)
        {
            if (!clients.TryGetValue(registry, out var client))
            {
                clients[registry] = client = new RegistryClient(registry, Options);
            }

            return client;
        }
    }

    public void Dispose()
    {
        foreach (var client in clients.Values)
        {
            client.Dispose();
        }
    }
}
