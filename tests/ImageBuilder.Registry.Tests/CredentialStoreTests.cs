using System.Text.Json.Nodes;
using ImageBuilder.Registry.Auth;
using ImageBuilder.Registry.Tests.Fixtures;

namespace ImageBuilder.Registry.Tests;

public sealed class CredentialStoreTests
{
    [Theory]
    [InlineData("docker.io", "https://index.docker.io/v1/")]
    [InlineData("index.docker.io", "https://index.docker.io/v1/")]
    [InlineData("https://index.docker.io/v1/", "https://index.docker.io/v1/")]
    [InlineData("Ghcr.io", "ghcr.io")]
    [InlineData("http://localhost:5000/v2/", "localhost:5000")]
    public void Server_keys_follow_docker(string registry, string key) =>
        Assert.Equal(key, CredentialStore.ServerKey(registry));

    [Fact]
    public async Task Auths_entries_are_read_in_every_form_docker_writes()
    {
        using var config = new DockerConfig();
        config.Write($$$"""
            {
              "auths": {
                "https://index.docker.io/v1/": { "auth": "{{{DockerConfig.Auth("hub", "p:a:ss")}}}" },
                "https://reg.example:5000": { "username": "u", "password": "pw" },
                "tokens.example": { "auth": "{{{DockerConfig.Auth("<token>", "")}}}", "identitytoken": "refresh-me" }
              }
            }
            """);
        var store = config.Store;

        var hub = await store.GetAsync("docker.io", default);
        var plain = await store.GetAsync("reg.example:5000", default);
        var token = await store.GetAsync("tokens.example", default);
        var none = await store.GetAsync("other.example", default);

        Assert.Equal(("hub", "p:a:ss"), (hub!.Username, hub.Password));
        Assert.Equal("config.json for docker.io (user hub)", hub.Source);
        Assert.Equal(("u", "pw"), (plain!.Username, plain.Password));
        Assert.Equal("refresh-me", token!.IdentityToken);
        Assert.Null(none);
        Assert.DoesNotContain("pw", plain.ToString());
    }

    [Fact]
    public async Task Save_writes_a_base64_auth_keeps_every_other_field_and_is_owner_only()
    {
        using var config = new DockerConfig();
        config.Write("""{"auths":{"keep.example":{"auth":"a2VlcDptZQ=="}},"psFormat":"table {{.ID}}","proxies":{"default":{"httpProxy":"http://p"}}}""");
        var store = config.Store;

        await store.SaveAsync("127.0.0.1:5000", "alice", "s3cret", default);
        await store.SaveAsync("docker.io", "hub", "x", default);
        var read = await store.GetAsync("127.0.0.1:5000", default);
        var json = JsonNode.Parse(File.ReadAllText(config.ConfigPath))!;

        Assert.Equal(("alice", "s3cret"), (read!.Username, read.Password));
        Assert.Equal(DockerConfig.Auth("alice", "s3cret"), (string?)json["auths"]!["127.0.0.1:5000"]!["auth"]);
        Assert.Equal(DockerConfig.Auth("hub", "x"), (string?)json["auths"]!["https://index.docker.io/v1/"]!["auth"]);
        Assert.Equal("a2VlcDptZQ==", (string?)json["auths"]!["keep.example"]!["auth"]);
        Assert.Equal("table {{.ID}}", (string?)json["psFormat"]);
        Assert.Equal("http://p", (string?)json["proxies"]!["default"]!["httpProxy"]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config.ConfigPath));
    }

    [Fact]
    public async Task Save_creates_a_missing_config_and_erase_removes_only_that_registry()
    {
        using var config = new DockerConfig();
        var store = config.Store;

        await store.SaveAsync("a.example", "u1", "p1", default);
        await store.SaveAsync("b.example", "u2", "p2", default);
        var erased = await store.EraseAsync("a.example", default);
        var again = await store.EraseAsync("a.example", default);

        Assert.True(erased);
        Assert.False(again);
        Assert.Null(await store.GetAsync("a.example", default));
        Assert.Equal("u2", (await store.GetAsync("b.example", default))!.Username);
    }

    [Fact]
    public async Task A_configured_helper_is_used_to_get_store_and_erase()
    {
        using var config = new DockerConfig();
        config.Write("""{"credHelpers":{"helped.example":"test"},"auths":{"plain.example":{"auth":"dTpw"}}}""");
        config.AddHelper("test", "helped.example", "helper-user", "helper-secret");
        var store = config.Store;

        var got = await store.GetAsync("helped.example", default);
        var plain = await store.GetAsync("plain.example", default);
        await store.SaveAsync("helped.example", "new-user", "new-secret", default);
        await store.EraseAsync("helped.example", default);

        Assert.Equal(("helper-user", "helper-secret"), (got!.Username, got.Password));
        Assert.Equal("credential helper docker-credential-test (user helper-user)", got.Source);
        Assert.Equal("u", plain!.Username);
        var calls = config.HelperCalls.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("get helped.example", calls[0]);
        Assert.StartsWith("store {", calls[1]);
        Assert.Contains("\"ServerURL\":\"helped.example\"", calls[1]);
        Assert.Contains("\"Secret\":\"new-secret\"", calls[1]);
        Assert.Equal("erase helped.example", calls[2]);
        Assert.DoesNotContain("new-user", File.ReadAllText(config.ConfigPath));
    }

    [Fact]
    public async Task A_helper_answering_with_the_token_user_gives_an_identity_token()
    {
        using var config = new DockerConfig();
        config.Write("""{"credsStore":"test"}""");
        config.AddHelper("test", "https://index.docker.io/v1/", "<token>", "refresh-token");

        var credential = await config.Store.GetAsync("docker.io", default);

        Assert.Null(credential!.Username);
        Assert.Equal("refresh-token", credential.IdentityToken);
    }

    [Fact]
    public async Task A_helper_answer_with_an_empty_user_name_is_still_a_password()
    {
        using var config = new DockerConfig();
        config.Write("""{"credsStore":"test"}""");
        config.AddHelper("test", "anon.example", "", "api-key");

        var credential = await config.Store.GetAsync("anon.example", default);

        Assert.Equal(("", "api-key"), (credential!.Username, credential.Password));
        Assert.Null(credential.IdentityToken);
    }

    [Fact]
    public async Task A_missing_helper_program_is_reported()
    {
        using var config = new DockerConfig();
        config.Write("""{"credsStore":"absent"}""");

        var error = await Assert.ThrowsAsync<RegistryException>(() => config.Store.GetAsync("x.example", default));

        Assert.Contains("docker-credential-absent", error.Message);
    }

    [Fact]
    public void The_default_store_follows_DOCKER_CONFIG()
    {
        var previous = Environment.GetEnvironmentVariable("DOCKER_CONFIG");
        try
        {
            Environment.SetEnvironmentVariable("DOCKER_CONFIG", "/tmp/some-docker-config");
            Assert.Equal("/tmp/some-docker-config/config.json", CredentialStore.Default().ConfigPath);
            Environment.SetEnvironmentVariable("DOCKER_CONFIG", null);
            Assert.EndsWith("/.docker/config.json", CredentialStore.Default().ConfigPath);
        }
        finally
        {
            Environment.SetEnvironmentVariable("DOCKER_CONFIG", previous);
        }
    }
}
