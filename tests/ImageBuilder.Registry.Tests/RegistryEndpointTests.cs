namespace ImageBuilder.Registry.Tests;

public sealed class RegistryEndpointTests
{
    [Theory]
    [InlineData("docker.io")]
    [InlineData("index.docker.io")]
    [InlineData("registry-1.docker.io")]
    public void Docker_hub_names_go_to_registry_1_over_https(string name)
    {
        var endpoint = RegistryEndpoint.Resolve(name);

        Assert.Equal("docker.io", endpoint.Registry);
        Assert.Equal("https://registry-1.docker.io/", endpoint.BaseUri.ToString());
        Assert.False(endpoint.AllowsPlainHttp);
    }

    [Theory]
    [InlineData("localhost:5000", "http://localhost:5000/")]
    [InlineData("localhost", "http://localhost/")]
    [InlineData("127.0.0.1:5000", "http://127.0.0.1:5000/")]
    [InlineData("127.12.0.9", "http://127.12.0.9/")]
    [InlineData("[::1]:5000", "http://[::1]:5000/")]
    public void Loopback_registries_may_use_plain_http(string name, string plain)
    {
        var endpoint = RegistryEndpoint.Resolve(name);

        Assert.True(endpoint.AllowsPlainHttp && endpoint.Loopback);
        Assert.False(endpoint.ListedInsecure);
        Assert.Equal(plain, endpoint.PlainHttpUri.ToString());
        Assert.Equal("https", endpoint.BaseUri.Scheme);
    }

    [Theory]
    [InlineData("127.0.0.1:5000", true)]
    [InlineData("[::1]:5000", true)]
    [InlineData("localhost:8443", true)]
    [InlineData("localhost", false)]
    [InlineData("127.0.0.1", false)]
    [InlineData("reg.internal:5000", false)]
    public void Only_a_loopback_registry_named_with_its_port_is_asked_over_plain_http_first(string name, bool plainFirst)
    {
        // Without a port, HTTPS is 443 and plain HTTP 80: another server on 80 must not win.
        using var client = new RegistryClient(name, new RegistryClientOptions { InsecureRegistries = ["reg.internal:5000"] });

        Assert.Equal(plainFirst, client.PlainFirst);
    }

    [Fact]
    public void Other_registries_are_https_only_unless_listed_insecure_by_host_or_host_and_port()
    {
        Assert.False(RegistryEndpoint.Resolve("ghcr.io").AllowsPlainHttp);
        Assert.False(RegistryEndpoint.Resolve("10.0.0.5:5000").AllowsPlainHttp);
        Assert.False(RegistryEndpoint.Resolve("reg.internal:5000", ["reg.internal:6000"]).AllowsPlainHttp);

        var byPort = RegistryEndpoint.Resolve("reg.internal:5000", ["reg.internal:5000"]);
        var byHost = RegistryEndpoint.Resolve("Reg.Internal:5000", ["reg.internal"]);

        Assert.True(byPort.AllowsPlainHttp && byPort.ListedInsecure && !byPort.Loopback);
        Assert.True(byHost.AllowsPlainHttp && byHost.ListedInsecure);
        Assert.Equal("reg.internal:5000", byHost.Registry);
    }

    [Theory]
    [InlineData("https://ghcr.io")]
    [InlineData("ghcr.io/owner")]
    [InlineData(" ")]
    public void A_url_or_a_path_is_not_a_registry_name(string name) =>
        Assert.ThrowsAny<ArgumentException>(() => RegistryEndpoint.Resolve(name));
}
