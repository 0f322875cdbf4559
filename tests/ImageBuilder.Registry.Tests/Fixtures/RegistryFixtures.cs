namespace ImageBuilder.Registry.Tests.Fixtures;

/// <summary>A plain-HTTP registry without auth, shared by a test class.</summary>
public sealed class PlainRegistryFixture : IDisposable
{
    internal RegistryServer Server { get; } = RegistryServer.Available ? RegistryServer.Start(RegistryAuth.None) : null!;

    public void Dispose() => Server?.Dispose();
}

/// <summary>A registry with htpasswd Basic auth over TLS (a self-signed certificate made by the test).</summary>
public sealed class TlsRegistryFixture : IDisposable
{
    internal RegistryServer Server { get; } = RegistryServer.Available ? RegistryServer.Start(RegistryAuth.HtpasswdOverTls) : null!;

    public void Dispose() => Server?.Dispose();
}

/// <summary>A registry with token auth, and the token issuer it trusts.</summary>
public sealed class TokenRegistryFixture : IDisposable
{
    public TokenRegistryFixture()
    {
        if (!RegistryServer.Available)
        {
            Issuer = null!;
            Server = null!;
            return;
        }

        Issuer = new TokenIssuer();
        try
        {
            Server = RegistryServer.Start(RegistryAuth.Token, Issuer);
        }
        catch
        {
            Issuer.Dispose();
            throw;
        }
    }

    internal TokenIssuer Issuer { get; }

    internal RegistryServer Server { get; }

    public void Dispose()
    {
        Server?.Dispose();
        Issuer?.Dispose();
    }
}

/// <summary>A test that needs the real registry (Debian's docker-registry, which scripts/deps.sh installs).</summary>
public sealed class RegistryFactAttribute : FactAttribute
{
    public RegistryFactAttribute()
    {
        if (!RegistryServer.Available)
        {
            Skip = $"needs {RegistryServer.RegistryPath} and htpasswd (scripts/deps.sh installs docker-registry and apache2-utils)";
        }
    }
}
