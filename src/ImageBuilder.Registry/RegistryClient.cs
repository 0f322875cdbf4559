using System.Net;
using ImageBuilder.Registry.Auth;

namespace ImageBuilder.Registry;

/// <summary>
/// A client of one registry's distribution API (OCI distribution spec v2): manifests and blobs
/// of the repositories in it, pulled and pushed with the registry's authentication, retries and
/// digest checks. Repository names are the path part of a reference (<c>library/alpine</c>).
/// Safe to use from several tasks at once (a push can send layers in parallel).
/// </summary>
public sealed partial class RegistryClient : IRegistryClient, IDisposable
{
    private const string DistributionApiHeader = "Docker-Distribution-API-Version";
    private const string ContentDigestHeader = "Docker-Content-Digest";

    private readonly HttpClient http;
    private readonly Authenticator authenticator;
    private readonly RegistryClientOptions options;
    private readonly SemaphoreSlim probeGate = new(1, 1);
    private Uri? baseUri;

    /// <param name="registry">The registry as references name it: <c>docker.io</c>, <c>ghcr.io</c>, <c>localhost:5000</c>.</param>
    public RegistryClient(string registry, RegistryClientOptions? options = null)
    {
        this.options = options ?? new RegistryClientOptions();
        if (this.options.UploadChunkSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "UploadChunkSize must be positive");
        }

        Endpoint = RegistryEndpoint.Resolve(registry, this.options.InsecureRegistries);
        // A registry listed as insecure that speaks TLS is not verified, as docker does.
        var tls = Endpoint.ListedInsecure ? this.options with { TlsVerify = false } : this.options;
        http = new HttpClient(RegistryHttpHandler.Create(tls), disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        http.DefaultRequestHeaders.UserAgent.ParseAdd(this.options.UserAgent);
        authenticator = new Authenticator(Endpoint.Registry, this.options.Credentials, http, this.options);
    }

    public RegistryEndpoint Endpoint { get; }

    /// <summary>The registry as references name it.</summary>
    public string Registry => Endpoint.Registry;

    /// <summary>
    /// <c>GET /v2/</c>: checks that this is a registry and, when it asks for credentials, that the
    /// ones the client has are accepted (what <c>ibuild login</c> checks before saving them).
    /// </summary>
    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, "v2/", RegistryScope.None, null, "ping", cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, $"ping {Registry}", RegistryErrorReason.Protocol, cancellationToken);
        }

        if (!response.Headers.Contains(DistributionApiHeader) && response.Content.Headers.ContentType?.MediaType is "text/html")
        {
            throw new RegistryException(RegistryErrorReason.Protocol, $"ping {Registry}: {baseUri}v2/ answered with a web page, not the registry API");
        }
    }

    public void Dispose()
    {
        http.Dispose();
        probeGate.Dispose();
    }

    /// <summary>Where requests go: known once the first request has chosen between HTTPS and plain HTTP.</summary>
    public Uri? BaseUri => baseUri;

    /// <summary>
    /// The base URI: HTTPS, or for a loopback or insecure registry that does not speak TLS, plain
    /// HTTP, found out once with a probe of <c>/v2/</c>: a loopback registry named with its port
    /// is asked over plain HTTP first (nothing leaves the machine, and the local registry usually
    /// is plain: this saves loading TLS and a refused handshake, 6–10 ms of every push to it; one
    /// port speaks one of the two, and a TLS port answers a plain request with 400 or closes it),
    /// others over HTTPS accepting any certificate. Without a port the two are different ports (80
    /// and 443), and port 80 may well answer something else: HTTPS is asked first.
    /// </summary>
    private async ValueTask<Uri> BaseUriAsync(CancellationToken cancellationToken)
    {
        if (baseUri is { } known)
        {
            return known;
        }

        if (!Endpoint.AllowsPlainHttp)
        {
            return baseUri = Endpoint.BaseUri;
        }

        await probeGate.WaitAsync(cancellationToken);
        try
        {
            using var phase = ImageBuilder.Core.Tracing.BuildTrace.Phase("registry probe");
            return baseUri ??= PlainFirst && await AnswersOverPlainHttpAsync(cancellationToken) ? Endpoint.PlainHttpUri
                : await SpeaksTlsAsync(cancellationToken) ? Endpoint.BaseUri : Endpoint.PlainHttpUri;
        }
        finally
        {
            probeGate.Release();
        }
    }

    /// <summary>Whether plain HTTP is asked first: a loopback registry named with its port.</summary>
    internal bool PlainFirst => Endpoint.Loopback && !Endpoint.BaseUri.IsDefaultPort;

    /// <summary>
    /// Whether <c>/v2/</c> over plain HTTP gets an answer, other than 400 (a TLS port answers a
    /// plain request so, Go's and nginx's servers, or closes the connection) or a redirect (to
    /// HTTPS, say). Asked with the client's own connection pool, so the connection serves the
    /// requests that follow.
    /// </summary>
    private async Task<bool> AnswersOverPlainHttpAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            using var response = await http.GetAsync(new Uri(Endpoint.PlainHttpUri, "v2/"), timeout.Token);
            return response.StatusCode != HttpStatusCode.BadRequest && (int)response.StatusCode is < 300 or >= 400;
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    private async Task<bool> SpeaksTlsAsync(CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(10) };
        handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        using var probe = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            using var response = await probe.GetAsync(new Uri(Endpoint.BaseUri, "v2/"), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    private static string RepositoryPath(string repository)
    {
        ArgumentException.ThrowIfNullOrEmpty(repository);
        if (repository.StartsWith('/') || repository.EndsWith('/') || repository.Contains("//", StringComparison.Ordinal) || repository.Contains(".."))
        {
            throw new ArgumentException($"\"{repository}\" is not a repository name", nameof(repository));
        }

        return $"v2/{repository}";
    }

    private static bool IsSuccess(HttpResponseMessage response, params HttpStatusCode[] expected) =>
        expected.Length == 0 ? response.IsSuccessStatusCode : expected.Contains(response.StatusCode);
}
