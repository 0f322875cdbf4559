namespace ImageBuilder.Registry.Auth;

/// <summary>
/// Credentials for one registry: a user name and password, or an identity token (an OAuth2
/// refresh token, as <c>docker login</c> stores for some registries). <see cref="Source"/>
/// says where they came from, for error messages; <see cref="ToString"/> never shows a secret.
/// </summary>
public sealed class RegistryCredential
{
    public RegistryCredential(string? username, string? password, string? identityToken, string source)
    {
        if (string.IsNullOrEmpty(identityToken) && username is null)
        {
            throw new ArgumentException("a credential needs a user name or an identity token", nameof(username));
        }

        Username = username;
        Password = password;
        IdentityToken = string.IsNullOrEmpty(identityToken) ? null : identityToken;
        Source = source;
    }

    public string? Username { get; }

    public string? Password { get; }

    public string? IdentityToken { get; }

    /// <summary>Where these came from: <c>config.json for HOST (user alice)</c>, <c>credential helper docker-credential-pass</c>, ….</summary>
    public string Source { get; }

    /// <summary>The value of a Basic Authorization header.</summary>
    internal string BasicParameter =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{Username}:{Password}"));

    internal bool HasPassword => Username is not null && IdentityToken is null;

    public override string ToString() => Source;
}

/// <summary>Finds the credentials for a registry (<c>docker.io</c>, <c>host:port</c>).</summary>
public interface ICredentialProvider
{
    /// <summary>The credentials for <paramref name="registry"/>, or null to go anonymous.</summary>
    Task<RegistryCredential?> GetAsync(string registry, CancellationToken cancellationToken);

    /// <summary>Where credentials would have been looked up: used when a registry refuses anonymous access.</summary>
    string DescribeLookup(string registry);
}

/// <summary>The same credentials for every registry (what <c>ibuild login</c> checks before saving them).</summary>
public sealed class FixedCredentials(RegistryCredential? credential) : ICredentialProvider
{
    public Task<RegistryCredential?> GetAsync(string registry, CancellationToken cancellationToken) => Task.FromResult(credential);

    public string DescribeLookup(string registry) => "no credentials were given";
}
