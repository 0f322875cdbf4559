namespace ImageBuilder.Application.Registries;

/// <summary>
/// How a command reaches registries, as the user set it: verify TLS certificates or not, hosts
/// spoken to over plain HTTP (or unverified TLS), and the docker config.json holding credentials
/// (null: <c>$DOCKER_CONFIG/config.json</c>, else <c>~/.docker/config.json</c>).
/// </summary>
public sealed record RegistrySettings(bool TlsVerify, IReadOnlyCollection<string> InsecureRegistries, string? AuthFile)
{
    /// <summary>Verified TLS everywhere (loopback may still speak plain HTTP), the default credentials.</summary>
    public static RegistrySettings Default { get; } = new(true, [], null);
}
