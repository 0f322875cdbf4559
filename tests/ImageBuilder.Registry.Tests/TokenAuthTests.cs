using ImageBuilder.Registry.Tests.Fixtures;

namespace ImageBuilder.Registry.Tests;

/// <summary>A real registry with <c>auth: token</c>, trusting the test's own token issuer.</summary>
public sealed class TokenAuthTests(TokenRegistryFixture fixture) : IClassFixture<TokenRegistryFixture>
{
    private RegistryServer Server => fixture.Server;

    private TokenIssuer Issuer => fixture.Issuer;

    private int GrantsFor(string scope) => Issuer.Granted.Count(g => g.Scopes.Contains(scope));

    [RegistryFact]
    public async Task Push_and_pull_with_a_bearer_token_for_the_repository_scope()
    {
        using var client = Clients.For(Server, Clients.Alice);
        var repository = Clients.Repository("token");
        var image = TestImage.Create("with a token");

        await image.PushAsync(client, repository, "v1");
        var manifest = await client.GetManifestAsync(repository, "v1");
        var layer = await client.GetBlobBytesAsync(repository, image.Layer.Descriptor);

        Assert.Equal(image.Manifest, manifest.Content);
        Assert.Equal(image.Layer.Content, layer);
        Assert.Contains(Issuer.Granted, g => g.User == RegistryServer.User && g.Scopes.SequenceEqual([$"repository:{repository}:pull,push"]));
        Assert.Contains(Issuer.Granted, g => g.Scopes.SequenceEqual([$"repository:{repository}:pull"]));
    }

    [RegistryFact]
    public async Task A_token_is_asked_for_once_per_scope_and_again_when_it_expires()
    {
        var clock = new ManualClock();
        Issuer.ExpiresIn = 120;
        using var client = Clients.For(Server, Clients.Alice, o => o with { Time = clock });
        var repository = Clients.Repository("cache");
        var pull = $"repository:{repository}:pull";
        var blobs = Enumerable.Range(0, 3).Select(i => TestBlob.Random(1000 + i, seed: 20 + i)).ToList();
        foreach (var blob in blobs)
        {
            await client.PushBlobAsync(repository, blob.Descriptor, blob.Content);
        }

        foreach (var blob in blobs)
        {
            await client.GetBlobBytesAsync(repository, blob.Descriptor);
        }

        var beforeExpiry = GrantsFor(pull);
        clock.Advance(TimeSpan.FromSeconds(121));
        await client.GetBlobBytesAsync(repository, blobs[0].Descriptor);

        Assert.Equal(1, GrantsFor($"repository:{repository}:pull,push"));
        Assert.Equal(1, beforeExpiry);
        Assert.Equal(2, GrantsFor(pull));
    }

    [RegistryFact]
    public async Task An_access_token_field_is_accepted_too()
    {
        var issuer = Issuer;
        issuer.AnswerWithAccessToken = true;
        try
        {
            using var client = Clients.For(Server, Clients.Alice);
            var repository = Clients.Repository("oauth");
            var blob = TestBlob.Random(2000, seed: 30);

            await client.PushBlobAsync(repository, blob.Descriptor, blob.Content);

            Assert.Equal(blob.Content, await client.GetBlobBytesAsync(repository, blob.Descriptor));
        }
        finally
        {
            issuer.AnswerWithAccessToken = false;
        }
    }

    [RegistryFact]
    public async Task A_mount_asks_for_pull_on_the_source_repository_in_the_same_token()
    {
        using var client = Clients.For(Server, Clients.Alice);
        var source = Clients.Repository("src");
        var target = Clients.Repository("dst");
        var blob = TestBlob.Random(4000, seed: 31);
        await client.PushBlobAsync(source, blob.Descriptor, blob.Content);

        var result = await client.PushBlobAsync(target, blob.Descriptor, () => new MemoryStream(blob.Content), mountFrom: source);

        Assert.Equal(BlobPushResult.Mounted, result);
        Assert.Contains(Issuer.Granted, g => g.Scopes.Order().SequenceEqual(new[] { $"repository:{source}:pull", $"repository:{target}:pull,push" }.Order()));
    }

    [RegistryFact]
    public async Task Credentials_the_token_service_refuses_are_unauthorized_with_a_login_hint()
    {
        using var config = new DockerConfig();
        config.Write("{\"auths\":{\"" + Server.Host + "\":{\"auth\":\"" + DockerConfig.Auth("alice", "nope") + "\"}}}");
        using var client = Clients.For(Server, config.Store);

        var error = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync("some/repo", "v1"));

        Assert.Equal(RegistryErrorReason.Unauthorized, error.Reason);
        Assert.Contains($"credentials from config.json for {Server.Host} (user alice)", error.Message);
        Assert.Contains($"ibuild login {Server.Host}", error.Message);
    }

    [RegistryFact]
    public async Task Anonymous_access_is_unauthorized_and_says_no_credentials_were_found()
    {
        using var client = Clients.For(Server);

        var error = await Assert.ThrowsAsync<RegistryException>(() => client.PingAsync());

        Assert.Equal(RegistryErrorReason.Unauthorized, error.Reason);
        Assert.Contains("no credentials", error.Message);
    }

    [RegistryFact]
    public async Task A_credential_helper_supplies_the_password_for_the_token_request()
    {
        using var config = new DockerConfig();
        config.Write("""{"credsStore":"test"}""");
        config.AddHelper("test", Server.Host, RegistryServer.User, RegistryServer.Password);
        using var client = Clients.For(Server, config.Store);

        await client.PingAsync();
        var tags = await Assert.ThrowsAsync<RegistryException>(() => client.ListTagsAsync(Clients.Repository("none")));

        Assert.Equal(RegistryErrorReason.NameUnknown, tags.Reason);
        Assert.Equal($"get {Server.Host}\n", config.HelperCalls);
    }
}
