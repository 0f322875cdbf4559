using System.Net;

namespace ImageBuilder.Registry;

/// <summary>Where the API of a registry named in image references really is.</summary>
public sealed record RegistryEndpoint
{
    /// <summary>The host docker.io's API lives on.</summary>
    public const string DockerHubApiHost = "registry-1.docker.io";

    private RegistryEndpoint(string registry, Uri baseUri, bool loopback, bool listedInsecure)
    {
        Registry = registry;
        BaseUri = baseUri;
        Loopback = loopback;
        AllowsPlainHttp = loopback || listedInsecure;
        ListedInsecure = listedInsecure;
    }

    /// <summary>The registry as image references name it (<c>docker.io</c>, <c>localhost:5000</c>).</summary>
    public string Registry { get; }

    /// <summary>The HTTPS scheme, host and port requests go to (<c>https://registry-1.docker.io/</c>).</summary>
    public Uri BaseUri { get; }

    /// <summary>
    /// A loopback registry or one listed as insecure: when the registry does not speak TLS, plain
    /// HTTP is used (as docker does).
    /// </summary>
    public bool AllowsPlainHttp { get; }

    /// <summary>On this machine (localhost, 127.0.0.0/8, ::1): nothing said to it leaves the machine.</summary>
    public bool Loopback { get; }

    /// <summary>Listed as insecure: when it speaks TLS, its certificate is not verified (as docker does).</summary>
    public bool ListedInsecure { get; }

    /// <summary>The same host and port over plain HTTP.</summary>
    public Uri PlainHttpUri => new UriBuilder(BaseUri) { Scheme = Uri.UriSchemeHttp, Port = BaseUri.IsDefaultPort ? 80 : BaseUri.Port }.Uri;

    /// <summary>
    /// docker.io (and its aliases) is <c>registry-1.docker.io</c>; any other name is a host[:port].
    /// Loopback registries (localhost, 127.0.0.0/8, ::1) and those listed in
    /// <paramref name="insecureRegistries"/> (by host or host:port) may be spoken to over plain HTTP.
    /// </summary>
    public static RegistryEndpoint Resolve(string registry, IReadOnlyCollection<string>? insecureRegistries = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(registry);
        var name = registry.Trim().TrimEnd('/').ToLowerInvariant();
        if (name is "docker.io" or "index.docker.io" or DockerHubApiHost)
        {
            return new RegistryEndpoint("docker.io", new Uri($"https://{DockerHubApiHost}/"), false, false);
        }

        if (name.Contains("://", StringComparison.Ordinal) || name.Contains('/'))
        {
            throw new ArgumentException($"\"{registry}\" is not a registry host (host or host:port)", nameof(registry));
        }

        var host = HostOf(name);
        var listed = (insecureRegistries ?? []).Any(entry =>
            string.Equals(entry.Trim().TrimEnd('/'), name, StringComparison.OrdinalIgnoreCase)
            || string.Equals(entry.Trim().TrimEnd('/'), host, StringComparison.OrdinalIgnoreCase));
        if (!Uri.TryCreate($"https://{name}/", UriKind.Absolute, out var uri))
        {
            throw new ArgumentException($"\"{registry}\" is not a registry host (host or host:port)", nameof(registry));
        }

        return new RegistryEndpoint(name, uri, IsLoopback(host), listed);
    }

    /// <summary>The host of <c>host[:port]</c>; an IPv6 literal keeps its brackets.</summary>
    internal static string HostOf(string hostAndPort)
    {
        if (hostAndPort.StartsWith('['))
        {
            var close = hostAndPort.IndexOf(']');
            return close < 0 ? hostAndPort : hostAndPort[..(close + 1)];
        }

        var colon = hostAndPort.LastIndexOf(':');
        return colon < 0 ? hostAndPort : hostAndPort[..colon];
    }

    private static bool IsLoopback(string host) =>
        host == "localhost"
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
