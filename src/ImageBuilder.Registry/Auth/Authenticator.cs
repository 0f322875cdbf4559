using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace ImageBuilder.Registry.Auth;

/// <summary>
/// The Authorization headers of one registry client: nothing until the registry asks; then
/// Basic with the credentials, or a Bearer token from the challenge's realm for the scopes the
/// request needs. Tokens are cached per scope set until <c>expires_in</c> (60 s when absent)
/// has passed. Thread-safe.
/// </summary>
internal sealed class Authenticator(
    string registry,
    ICredentialProvider? credentials,
    HttpClient http,
    RegistryClientOptions options)
{
    private static readonly TimeSpan DefaultTokenLifetime = TimeSpan.FromSeconds(60);

    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Dictionary<string, (string Token, DateTimeOffset Expires)> tokens = [];
    private bool credentialLoaded;
    private RegistryCredential? credential;
    private AuthChallenge? challenge;

    /// <summary>Who the client said it was, for an "unauthorized" message.</summary>
    public string DescribeCredentials() =>
        credential is not null ? $"credentials from {credential.Source}"
        : credentials?.DescribeLookup(registry) ?? "no credentials (anonymous)";

    /// <summary>
    /// The Authorization header for a request that needs <paramref name="scopes"/>: none before
    /// the registry's first challenge; after a Bearer challenge, a cached token for these scopes,
    /// or a new one from the realm when none is cached or it has expired.
    /// </summary>
    public async Task<AuthenticationHeaderValue?> AuthorizationAsync(IReadOnlyList<string> scopes, CancellationToken cancellationToken)
    {
        var current = challenge;
        if (current is null)
        {
            return null;
        }

        if (current.IsBasic)
        {
            return credential is { HasPassword: true } ? new AuthenticationHeaderValue("Basic", credential.BasicParameter) : null;
        }

        if (current.IsBearer)
        {
            var token = CachedToken(scopes);
            if (token is null)
            {
                await gate.WaitAsync(cancellationToken);
                try
                {
                    token = CachedToken(scopes) ?? await RenewAsync(current, scopes, cancellationToken);
                }
                finally
                {
                    gate.Release();
                }
            }

            return new AuthenticationHeaderValue("Bearer", token);
        }

        return null;
    }

    private string? CachedToken(IReadOnlyList<string> scopes)
    {
        lock (tokens)
        {
            return tokens.TryGetValue(ScopeKey(scopes), out var cached) && cached.Expires > options.Time.GetUtcNow() ? cached.Token : null;
        }
    }

    private async Task<string> RenewAsync(AuthChallenge bearer, IReadOnlyList<string> scopes, CancellationToken cancellationToken)
    {
        var wanted = scopes.ToList();
        if (bearer["scope"] is { Length: > 0 } asked && scopes.Count == 0)
        {
            wanted.AddRange(asked.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }

        var (token, lifetime) = await FetchTokenAsync(bearer, wanted, cancellationToken);
        lock (tokens)
        {
            tokens[ScopeKey(scopes)] = (token, options.Time.GetUtcNow() + lifetime);
        }

        return token;
    }

    /// <summary>
    /// Reads the 401's challenge and gets what it asks for. False when there is nothing new to
    /// try (no credentials for Basic, an unknown scheme).
    /// </summary>
    public async Task<bool> OnChallengeAsync(HttpResponseMessage response, IReadOnlyList<string> scopes, CancellationToken cancellationToken)
    {
        var values = response.Headers.NonValidated.TryGetValues("WWW-Authenticate", out var raw) ? raw : default;
        var challenges = AuthChallenge.ParseAll(values);
        var chosen = challenges.FirstOrDefault(c => c.IsBearer) ?? challenges.FirstOrDefault(c => c.IsBasic);
        if (chosen is null)
        {
            return false;
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            await LoadCredentialAsync(cancellationToken);
            challenge = chosen;
            if (chosen.IsBasic)
            {
                return credential is { HasPassword: true };
            }

            if (chosen["scope"] is { Length: > 0 } asked && scopes.Count > 0)
            {
                // The registry may ask for more than the request said (a mount's source, say).
                var extra = asked.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(s => !scopes.Contains(s)).ToList();
                if (extra.Count > 0)
                {
                    var (token, lifetime) = await FetchTokenAsync(chosen, [.. scopes, .. extra], cancellationToken);
                    lock (tokens)
                    {
                        tokens[ScopeKey(scopes)] = (token, options.Time.GetUtcNow() + lifetime);
                    }

                    return true;
                }
            }

            await RenewAsync(chosen, scopes, cancellationToken);
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task LoadCredentialAsync(CancellationToken cancellationToken)
    {
        if (!credentialLoaded)
        {
            credential = credentials is null ? null : await credentials.GetAsync(registry, cancellationToken);
            credentialLoaded = true;
        }
    }

    private async Task<(string Token, TimeSpan Lifetime)> FetchTokenAsync(AuthChallenge bearer, IReadOnlyList<string> scopes, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(bearer["realm"], UriKind.Absolute, out var realm) || realm.Scheme is not ("http" or "https"))
        {
            throw new RegistryException(RegistryErrorReason.Protocol, $"{registry} asked for a bearer token without a usable realm (\"{bearer["realm"]}\")");
        }

        var service = bearer["service"];
        using var response = await RequestTokenAsync(realm, service, scopes, cancellationToken);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new RegistryException(
                response.StatusCode == HttpStatusCode.Forbidden ? RegistryErrorReason.Denied : RegistryErrorReason.Unauthorized,
                $"{registry}: the token service {realm.GetLeftPart(UriPartial.Path)} refused {DescribeCredentials()} (HTTP {(int)response.StatusCode}); log in with `ibuild login {registry}`")
            {
                StatusCode = (int)response.StatusCode,
            };
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new RegistryException(response.StatusCode == HttpStatusCode.TooManyRequests ? RegistryErrorReason.TooManyRequests : RegistryErrorReason.Network,
                $"{registry}: the token service {realm.GetLeftPart(UriPartial.Path)} answered HTTP {(int)response.StatusCode}")
            {
                StatusCode = (int)response.StatusCode,
            };
        }

        try
        {
            using var document = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken));
            var root = document.RootElement;
            var token = StringProperty(root, "token") ?? StringProperty(root, "access_token");
            if (string.IsNullOrEmpty(token))
            {
                throw new RegistryException(RegistryErrorReason.Protocol, $"{registry}: the token service sent no token");
            }

            var lifetime = root.TryGetProperty("expires_in", out var expires) && expires.ValueKind == JsonValueKind.Number && expires.TryGetInt64(out var seconds) && seconds > 0
                ? TimeSpan.FromSeconds(seconds)
                : DefaultTokenLifetime;
            return (token, lifetime);
        }
        catch (JsonException e)
        {
            throw new RegistryException(RegistryErrorReason.Protocol, $"{registry}: the token service's answer is not JSON: {e.Message}", e);
        }
    }

    /// <summary>
    /// GET realm?service=…&amp;scope=…, with Basic credentials when there are some; with an identity
    /// token, the OAuth2 refresh-token POST that docker uses instead.
    /// </summary>
    private Task<HttpResponseMessage> RequestTokenAsync(Uri realm, string? service, IReadOnlyList<string> scopes, CancellationToken cancellationToken) =>
        RetryingSender.SendAsync(http, options.Retry, options.Time, () =>
        {
            HttpRequestMessage request;
            if (credential?.IdentityToken is { } refreshToken)
            {
                var form = new List<KeyValuePair<string, string>>
                {
                    new("grant_type", "refresh_token"),
                    new("refresh_token", refreshToken),
                    new("client_id", options.UserAgent),
                };
                if (service is not null)
                {
                    form.Add(new("service", service));
                }

                if (scopes.Count > 0)
                {
                    form.Add(new("scope", string.Join(' ', scopes)));
                }

                request = new HttpRequestMessage(HttpMethod.Post, realm) { Content = new FormUrlEncodedContent(form) };
            }
            else
            {
                var query = new List<string>();
                if (service is not null)
                {
                    query.Add("service=" + Uri.EscapeDataString(service));
                }

                query.AddRange(scopes.Select(scope => "scope=" + Uri.EscapeDataString(scope)));
                var builder = new UriBuilder(realm);
                var existing = builder.Query.TrimStart('?');
                builder.Query = string.Join('&', new[] { existing }.Where(q => q.Length > 0).Concat(query));
                request = new HttpRequestMessage(HttpMethod.Get, builder.Uri);
                if (credential is { HasPassword: true })
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credential.BasicParameter);
                }
            }

            return request;
        }, $"{registry}: token service {realm.Host}", cancellationToken);

    private static string ScopeKey(IReadOnlyList<string> scopes) => string.Join(' ', scopes.Order(StringComparer.Ordinal));

    private static string? StringProperty(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
