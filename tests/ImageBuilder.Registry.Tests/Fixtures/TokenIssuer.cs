using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace ImageBuilder.Registry.Tests.Fixtures;

/// <summary>
/// A token service for the registry's <c>auth: token</c> mode: an HttpListener on 127.0.0.1 that
/// checks Basic credentials and answers with a JWT signed RS256 whose <c>x5c</c> header holds the
/// signing certificate (distribution 2.8 verifies that chain against its rootcertbundle), with
/// <c>iss</c>, <c>sub</c>, <c>aud</c> (the service), <c>exp</c>, <c>nbf</c>, <c>iat</c>, <c>jti</c>
/// and the <c>access</c> the scopes ask for.
/// </summary>
internal sealed class TokenIssuer : IDisposable
{
    public const string Service = "ibuild-test-registry";
    public const string Issuer = "ibuild-test-issuer";

    private readonly RSA key = RSA.Create(2048);
    private readonly X509Certificate2 certificate;
    private readonly HttpListener listener;
    private readonly Task loop;
    private readonly List<(string? User, string[] Scopes)> requests = [];

    public TokenIssuer()
    {
        certificate = TestCertificates.CreateSigning(key);
        (listener, Port) = ListenerRequests.StartOnFreePort();
        loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Realm => $"http://127.0.0.1:{Port}/token";

    public string CertificatePem => certificate.ExportCertificatePem() + "\n";

    /// <summary>Answer with <c>access_token</c> instead of <c>token</c> (as OAuth2 servers do).</summary>
    public bool AnswerWithAccessToken { get; set; }

    /// <summary>The <c>expires_in</c> sent to the client (the JWT itself stays valid for 5 minutes).</summary>
    public int ExpiresIn { get; set; } = 300;

    /// <summary>The token requests that carried valid credentials, with their scopes.</summary>
    public IReadOnlyList<(string? User, string[] Scopes)> Granted
    {
        get
        {
            lock (requests)
            {
                return [.. requests];
            }
        }
    }

    private Task ServeAsync() => ListenerRequests.ServeAsync(listener, context =>
    {
        Handle(context);
        return Task.CompletedTask;
    });

    private void Handle(HttpListenerContext context)
    {
        var query = System.Web.HttpUtility.ParseQueryString(context.Request.Url!.Query);
        var user = BasicUser(context.Request.Headers["Authorization"]);
        if (user is null || query["service"] != Service)
        {
            context.Response.StatusCode = 401;
            Write(context, new JsonObject { ["errors"] = new JsonArray(new JsonObject { ["code"] = "UNAUTHORIZED", ["message"] = "bad credentials" }) });
            return;
        }

        var scopes = query.GetValues("scope") ?? [];
        lock (requests)
        {
            requests.Add((user, scopes));
        }

        var access = new JsonArray();
        foreach (var scope in scopes.SelectMany(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            var parts = scope.Split(':');
            if (parts.Length >= 3)
            {
                var actions = new JsonArray(parts[^1].Split(',').Select(a => (JsonNode)JsonValue.Create(a)!).ToArray());
                access.Add(new JsonObject { ["type"] = parts[0], ["name"] = string.Join(':', parts[1..^1]), ["actions"] = actions });
            }
        }

        var token = Sign(user, access);
        Write(context, new JsonObject
        {
            [AnswerWithAccessToken ? "access_token" : "token"] = token,
            ["expires_in"] = ExpiresIn,
            ["issued_at"] = DateTime.UtcNow.ToString("O"),
        });
    }

    private string Sign(string user, JsonArray access)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = new JsonObject
        {
            ["typ"] = "JWT",
            ["alg"] = "RS256",
            ["x5c"] = new JsonArray(JsonValue.Create(Convert.ToBase64String(certificate.RawData))),
        };
        var claims = new JsonObject
        {
            ["iss"] = Issuer,
            ["sub"] = user,
            ["aud"] = Service,
            ["exp"] = now + 300,
            ["nbf"] = now - 10,
            ["iat"] = now,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = access,
        };
        var signingInput = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url(signature);
    }

    private static string? BasicUser(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return null;
        }

        var pair = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..]));
        return pair == $"{RegistryServer.User}:{RegistryServer.Password}" ? RegistryServer.User : null;
    }

    private static void Write(HttpListenerContext context, JsonObject body)
    {
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = bytes.Length;
        context.Response.OutputStream.Write(bytes);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public void Dispose()
    {
        listener.Close(); // alone, not after Stop (see ListenerRequests)
        loop.Wait();
        certificate.Dispose();
        key.Dispose();
    }
}
