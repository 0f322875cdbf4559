using ImageBuilder.Registry;
using ImageBuilder.Registry.Auth;

namespace ImageBuilder.Application.Registries;

/// <summary>
/// A command's way to registries, made from <see cref="RegistrySettings"/>: the credentials and
/// client options, and one client per registry for the whole command, so tokens are asked for once.
/// </summary>
public sealed class RegistryAccess : IDisposable
{
    private readonly Dictionary<string, RegistryClient> clients = new(StringComparer.Ordinal);

    public RegistryAccess(RegistrySettings settings)
    {
        Credentials = settings.AuthFile is null ? CredentialStore.Default() : new CredentialStore(Path.GetFullPath(settings.AuthFile));
        Options = new RegistryClientOptions
        {
            Credentials = Credentials,
            TlsVerify = settings.TlsVerify,
            InsecureRegistries = settings.InsecureRegistries,
            UserAgent = "ibuild",
        };
    }

    public CredentialStore Credentials { get; }

    public RegistryClientOptions Options { get; }

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
