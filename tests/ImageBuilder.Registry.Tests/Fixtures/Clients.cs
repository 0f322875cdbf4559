using ImageBuilder.Registry.Auth;

namespace ImageBuilder.Registry.Tests.Fixtures;

internal static class Clients
{
    /// <summary>Retries without long waits: the tests exercise them, not the clock.</summary>
    public static RetryPolicy FastRetry { get; } = new() { MaxAttempts = 4, InitialDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(20) };

    public static RegistryClient For(RegistryServer server, ICredentialProvider? credentials = null, Func<RegistryClientOptions, RegistryClientOptions>? configure = null)
    {
        var options = new RegistryClientOptions
        {
            Credentials = credentials,
            Retry = FastRetry,
            CaCertificateFiles = server.CertificatePath is { } ca ? [ca] : [],
        };
        return new RegistryClient(server.Host, configure is null ? options : configure(options));
    }

    public static FixedCredentials Alice { get; } = new(new RegistryCredential(RegistryServer.User, RegistryServer.Password, null, "the test's own credentials"));

    /// <summary>A unique repository name per test, so tests sharing a registry do not meet.</summary>
    public static string Repository(string prefix) => $"{prefix}/r{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 14, 60)];
}
