using ImageBuilder.Registry.Tests.Fixtures;

namespace ImageBuilder.Registry.Tests;

/// <summary>A real registry with htpasswd Basic auth over TLS, its certificate self-signed by the test.</summary>
public sealed class TlsBasicAuthTests(TlsRegistryFixture fixture) : IClassFixture<TlsRegistryFixture>
{
    private RegistryServer Server => fixture.Server;

    [RegistryFact]
    public async Task Credentials_from_config_json_push_and_pull_over_tls_trusting_the_given_ca()
    {
        using var config = new DockerConfig();
        config.Write($$$"""{"auths":{"https://{{{Server.Host}}}":{"auth":"{{{DockerConfig.Auth(RegistryServer.User, RegistryServer.Password)}}}"}},"HttpHeaders":{"X":"y"}}""");
        using var client = Clients.For(Server, config.Store);
        var repository = Clients.Repository("tls");
        var image = TestImage.Create("over tls");

        await client.PingAsync();
        await image.PushAsync(client, repository, "v1");
        var manifest = await client.GetManifestAsync(repository, "v1");

        Assert.Equal($"https://{Server.Host}/", client.BaseUri?.ToString());
        Assert.Equal(image.ManifestDigest, manifest.Digest);
        Assert.Equal(image.Layer.Content, await client.GetBlobBytesAsync(repository, image.Layer.Descriptor));
    }

    [RegistryFact]
    public async Task Without_the_ca_the_certificate_is_refused_and_tls_verify_false_accepts_it()
    {
        using var untrusting = Clients.For(Server, Clients.Alice, o => o with { CaCertificateFiles = [] });
        using var unverified = Clients.For(Server, Clients.Alice, o => o with { CaCertificateFiles = [], TlsVerify = false });

        var error = await Assert.ThrowsAsync<RegistryException>(() => untrusting.PingAsync());
        await unverified.PingAsync();

        Assert.Equal(RegistryErrorReason.Tls, error.Reason);
        Assert.Contains(Server.Host, error.Message);
    }

    [RegistryFact]
    public async Task No_credentials_is_unauthorized_and_says_where_they_were_looked_for_and_how_to_log_in()
    {
        using var config = new DockerConfig();
        using var client = Clients.For(Server, config.Store);

        var error = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync("any/thing", "v1"));

        Assert.Equal(RegistryErrorReason.Unauthorized, error.Reason);
        Assert.Equal(401, error.StatusCode);
        Assert.Contains($"no credentials (none in {config.ConfigPath} for {Server.Host})", error.Message);
        Assert.Contains($"ibuild login {Server.Host}", error.Message);
    }

    [RegistryFact]
    public async Task A_wrong_password_is_unauthorized_and_names_the_credentials_tried()
    {
        using var config = new DockerConfig();
        config.Write("{\"auths\":{\"" + Server.Host + "\":{\"username\":\"alice\",\"password\":\"wrong\"}}}");
        using var client = Clients.For(Server, config.Store);

        var error = await Assert.ThrowsAsync<RegistryException>(() => client.PingAsync());

        Assert.Equal(RegistryErrorReason.Unauthorized, error.Reason);
        Assert.Contains($"credentials from config.json for {Server.Host} (user alice)", error.Message);
        Assert.Contains($"ibuild login {Server.Host}", error.Message);
    }

    [RegistryFact]
    public async Task Credentials_come_from_the_registrys_credential_helper()
    {
        using var config = new DockerConfig();
        config.Write($$$"""{"auths":{},"credHelpers":{"{{{Server.Host}}}":"test"}}""");
        config.AddHelper("test", Server.Host, RegistryServer.User, RegistryServer.Password);
        using var client = Clients.For(Server, config.Store);
        var repository = Clients.Repository("helper");
        var blob = TestBlob.Random(3000, seed: 11);

        await client.PushBlobAsync(repository, blob.Descriptor, blob.Content);

        Assert.Equal(blob.Content, await client.GetBlobBytesAsync(repository, blob.Descriptor));
        Assert.Equal($"get {Server.Host}\n", config.HelperCalls);
    }

    [RegistryFact]
    public async Task A_helper_without_credentials_for_the_registry_is_named_in_the_error()
    {
        using var config = new DockerConfig();
        config.Write("""{"credsStore":"test"}""");
        config.AddHelper("test", "some.other.registry", RegistryServer.User, RegistryServer.Password);
        using var client = Clients.For(Server, config.Store);

        var error = await Assert.ThrowsAsync<RegistryException>(() => client.PingAsync());

        Assert.Equal(RegistryErrorReason.Unauthorized, error.Reason);
        Assert.Contains("credential helper docker-credential-test", error.Message);
    }
}
