using System.Net;
using System.Text;
using ImageBuilder.Core.Oci;
using ImageBuilder.Registry.Auth;
using ImageBuilder.Registry.Tests.Fixtures;

namespace ImageBuilder.Registry.Tests;

/// <summary>Retries, redirects and digest checks, against a fake server that misbehaves on purpose.</summary>
public sealed class HttpBehaviourTests
{
    private static readonly byte[] Empty = [];

    [Fact]
    public async Task Server_errors_are_retried_with_backoff_until_one_succeeds()
    {
        using var server = new FakeServer((context, index) => FakeServer.WriteAsync(context, index < 2 ? 503 : 200, Empty));
        using var client = new RegistryClient(server.Host, new RegistryClientOptions { Retry = Clients.FastRetry });

        await client.PingAsync();

        Assert.Equal(3, server.Seen.Count(r => r.Path == "/v2/"));
    }

    [Fact]
    public async Task Errors_that_do_not_stop_end_in_a_network_error_after_the_bounded_attempts()
    {
        using var server = new FakeServer((context, _) =>
        {
            context.Response.Headers["Retry-After"] = "0";
            return FakeServer.WriteAsync(context, 429, Empty);
        });
        using var client = new RegistryClient(server.Host, new RegistryClientOptions { Retry = Clients.FastRetry });

        var error = await Assert.ThrowsAsync<RegistryException>(() => client.PingAsync());

        Assert.Equal(RegistryErrorReason.TooManyRequests, error.Reason);
        // The probe for plain HTTP (answered, so the registry speaks it), then each attempt.
        Assert.Equal(1 + Clients.FastRetry.MaxAttempts, server.Seen.Count);
    }

    [Fact]
    public async Task An_unreachable_registry_is_a_network_error_after_the_retries()
    {
        var port = RegistryServer.FreePort();
        using var client = new RegistryClient($"127.0.0.1:{port}", new RegistryClientOptions { Retry = Clients.FastRetry });

        var error = await Assert.ThrowsAsync<RegistryException>(() => client.PingAsync());

        Assert.Equal(RegistryErrorReason.Network, error.Reason);
        Assert.Contains($"gave up after {Clients.FastRetry.MaxAttempts} attempts", error.Message);
    }

    [Fact]
    public async Task A_redirect_to_another_host_is_followed_without_the_registrys_authorization()
    {
        var content = Encoding.UTF8.GetBytes("blob behind a redirect");
        var blob = Descriptor.ForContent(MediaTypes.OciLayer, content);
        using var storage = new FakeServer((context, _) => FakeServer.WriteAsync(context, 200, content));
        using var registry = new FakeServer((context, _) =>
        {
            if (context.Request.Headers["Authorization"] is null)
            {
                context.Response.Headers["WWW-Authenticate"] = "Basic realm=\"fake\"";
                return FakeServer.WriteAsync(context, 401, Empty);
            }

            if (context.Request.Url!.AbsolutePath.Contains("/blobs/", StringComparison.Ordinal))
            {
                context.Response.Headers["Location"] = $"http://{storage.Host}/bucket/{blob.Digest.Encoded}?signature=abc";
                return FakeServer.WriteAsync(context, 307, Empty);
            }

            return FakeServer.WriteAsync(context, 200, Empty);
        });
        var credential = new FixedCredentials(new RegistryCredential("bob", "secret", null, "test"));
        using var client = new RegistryClient(registry.Host, new RegistryClientOptions { Credentials = credential, Retry = Clients.FastRetry });

        var bytes = await client.GetBlobBytesAsync("team/app", blob);

        Assert.Equal(content, bytes);
        Assert.Contains(registry.Seen, r => r.Path.EndsWith(blob.Digest.ToString(), StringComparison.Ordinal) && r.Authorization == "Basic Ym9iOnNlY3JldA==");
        var fetched = Assert.Single(storage.Seen);
        Assert.Equal($"/bucket/{blob.Digest.Encoded}?signature=abc", fetched.Path);
        Assert.Null(fetched.Authorization);
    }

    [Fact]
    public async Task Blob_bytes_that_do_not_match_the_digest_are_refused()
    {
        var blob = Descriptor.ForContent(MediaTypes.OciLayer, "expected"u8);
        using var server = new FakeServer((context, _) => FakeServer.WriteAsync(context, 200, "tampered"u8.ToArray()));
        using var client = new RegistryClient(server.Host, new RegistryClientOptions { Retry = Clients.FastRetry });

        var error = await Assert.ThrowsAsync<RegistryException>(() => client.PullBlobAsync("a/b", blob, new MemoryStream()));

        Assert.Equal(RegistryErrorReason.DigestMismatch, error.Reason);
        Assert.Contains(Digest.Sha256("tampered"u8).ToString(), error.Message);
    }

    [Fact]
    public async Task A_manifest_fetched_by_digest_must_have_that_digest()
    {
        var wanted = Digest.Sha256("{\"schemaVersion\":2}"u8);
        using var server = new FakeServer((context, _) =>
            FakeServer.WriteAsync(context, 200, "{\"schemaVersion\":2,\"manifests\":[]}"u8.ToArray(), MediaTypes.OciIndex));
        using var client = new RegistryClient(server.Host, new RegistryClientOptions { Retry = Clients.FastRetry });

        var error = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync("a/b", wanted.ToString()));

        Assert.Equal(RegistryErrorReason.DigestMismatch, error.Reason);
    }

    [Fact]
    public async Task A_server_that_ignores_the_range_header_is_read_past_the_bytes_already_written()
    {
        var content = new byte[100_000];
        new Random(50).NextBytes(content);
        var blob = Descriptor.ForContent(MediaTypes.OciLayer, content);
        var blobRequests = 0;
        using var server = new FakeServer(async (context, _) =>
        {
            if (context.Request.Url!.AbsolutePath == "/v2/")
            {
                await FakeServer.WriteAsync(context, 200, Empty); // the client's probe for plain HTTP
                return;
            }

            context.Response.StatusCode = 200;
            context.Response.ContentLength64 = content.Length;
            if (Interlocked.Increment(ref blobRequests) == 1)
            {
                // Half the body, then the connection ends: the client sees a premature end.
                await context.Response.OutputStream.WriteAsync(content.AsMemory(0, 40_000));
                context.Response.Abort();
                return;
            }

            await context.Response.OutputStream.WriteAsync(content);
        });
        using var client = new RegistryClient(server.Host, new RegistryClientOptions { Retry = Clients.FastRetry });
        using var pulled = new MemoryStream();

        await client.PullBlobAsync("a/b", blob, pulled);

        var blobs = server.Seen.Where(r => r.Path != "/v2/").ToList();
        Assert.Equal(content, pulled.ToArray());
        Assert.Equal(2, blobs.Count);
        Assert.StartsWith("bytes=", blobs[1].Range);
    }

    [Fact]
    public async Task An_identity_token_is_exchanged_with_an_oauth2_refresh_token_post()
    {
        var form = "";
        using var tokens = new FakeServer(async (context, _) =>
        {
            using var reader = new StreamReader(context.Request.InputStream);
            form = context.Request.HttpMethod + " " + await reader.ReadToEndAsync();
            await FakeServer.WriteAsync(context, 200, "{\"access_token\":\"t-123\",\"expires_in\":60}"u8.ToArray(), "application/json");
        });
        using var registry = new FakeServer((context, _) =>
        {
            if (context.Request.Headers["Authorization"] != "Bearer t-123")
            {
                context.Response.Headers["WWW-Authenticate"] = $"Bearer realm=\"http://{tokens.Host}/oauth\",service=\"svc\"";
                return FakeServer.WriteAsync(context, 401, Empty);
            }

            return FakeServer.WriteAsync(context, 200, "{\"name\":\"a/b\",\"tags\":[\"x\"]}"u8.ToArray(), "application/json");
        });
        var credential = new FixedCredentials(new RegistryCredential(null, null, "refresh-abc", "test identity token"));
        using var client = new RegistryClient(registry.Host, new RegistryClientOptions { Credentials = credential, Retry = Clients.FastRetry });

        var tags = await client.ListTagsAsync("a/b");

        Assert.Equal(["x"], tags);
        Assert.StartsWith("POST ", form);
        Assert.Contains("grant_type=refresh_token", form);
        Assert.Contains("refresh_token=refresh-abc", form);
        Assert.Contains("service=svc", form);
        Assert.Contains("scope=repository%3Aa%2Fb%3Apull", form);
    }

    [Fact]
    public async Task An_upload_the_registry_fails_with_5xx_starts_again_in_a_new_session()
    {
        var content = "layer bytes"u8.ToArray();
        var blob = Descriptor.ForContent(MediaTypes.OciLayer, content);
        var puts = 0;
        using var server = new FakeServer((context, _) =>
        {
            var request = context.Request;
            switch (request.HttpMethod)
            {
                case "HEAD":
                    return FakeServer.WriteAsync(context, 404, Empty);
                case "POST":
                    context.Response.Headers["Location"] = $"/v2/a/b/blobs/uploads/{Guid.NewGuid():N}?_state=s";
                    return FakeServer.WriteAsync(context, 202, Empty);
                case "PUT" when Interlocked.Increment(ref puts) == 1:
                    return FakeServer.WriteAsync(context, 500, Empty);
                default:
                    return FakeServer.WriteAsync(context, 201, Empty);
            }
        });
        using var client = new RegistryClient(server.Host, new RegistryClientOptions { Retry = Clients.FastRetry });

        var result = await client.PushBlobAsync("a/b", blob, content);

        Assert.Equal(BlobPushResult.Uploaded, result);
        Assert.Equal(2, server.Seen.Count(r => r.Method == "POST"));
        var put = server.Seen.Last(r => r.Method == "PUT");
        Assert.Contains("_state=s&digest=" + Uri.EscapeDataString(blob.Digest.ToString()), put.Path);
    }
}
