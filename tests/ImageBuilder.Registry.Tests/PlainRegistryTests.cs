using ImageBuilder.Core.Oci;
using ImageBuilder.Registry.Tests.Fixtures;

namespace ImageBuilder.Registry.Tests;

/// <summary>Pushes and pulls against a real registry over plain HTTP without auth.</summary>
public sealed class PlainRegistryTests(PlainRegistryFixture fixture) : IClassFixture<PlainRegistryFixture>
{
    private RegistryServer Server => fixture.Server;

    [RegistryFact]
    public async Task Loopback_registry_is_spoken_to_over_plain_http_and_answers_the_ping()
    {
        using var client = Clients.For(Server);

        await client.PingAsync();

        Assert.Equal($"http://{Server.Host}/", client.BaseUri?.ToString());
    }

    [RegistryFact]
    public async Task A_plain_loopback_registry_is_found_without_a_tls_handshake()
    {
        using var proxy = new CuttingProxy(Server.Port, cutAfter: long.MaxValue);
        using var client = new RegistryClient(proxy.Host, new RegistryClientOptions { Retry = Clients.FastRetry });

        await client.PingAsync();

        Assert.Equal($"http://{proxy.Host}/", client.BaseUri?.ToString());
        Assert.StartsWith("GET /v2/ HTTP/1.1", proxy.Requests, StringComparison.Ordinal);
        // A TLS ClientHello opens with a handshake record: 0x16, then the version's 0x03.
        Assert.DoesNotContain("\u0016\u0003", proxy.Requests, StringComparison.Ordinal);
    }

    [RegistryFact]
    public async Task Monolithic_push_then_pull_gives_back_the_same_bytes()
    {
        using var client = Clients.For(Server);
        var repository = Clients.Repository("mono");
        var blob = TestBlob.Random(200_000, seed: 1);

        var pushed = await client.PushBlobAsync(repository, blob.Descriptor, blob.Content);
        using var pulled = new MemoryStream();
        var size = await client.PullBlobAsync(repository, blob.Descriptor, pulled);

        Assert.Equal(BlobPushResult.Uploaded, pushed);
        Assert.Equal(blob.Content.Length, size);
        Assert.Equal(blob.Content, pulled.ToArray());
        Assert.Equal(blob.Content.Length, await client.HeadBlobAsync(repository, blob.Descriptor.Digest));
        Assert.Equal(1, Server.CountRequests("PUT", repository, expected: 1));
        Assert.Equal(0, Server.CountRequests("PATCH", repository, expected: 0));
    }

    [RegistryFact]
    public async Task Chunked_push_sends_patches_and_the_blob_comes_back_whole()
    {
        using var client = Clients.For(Server, configure: o => o with { UploadChunkSize = 64 * 1024 });
        var repository = Clients.Repository("chunked");
        var blob = TestBlob.Random(64 * 1024 * 5 + 123, seed: 2);

        var pushed = await client.PushBlobAsync(repository, blob.Descriptor, () => new MemoryStream(blob.Content));
        var bytes = await client.GetBlobBytesAsync(repository, blob.Descriptor);

        Assert.Equal(BlobPushResult.Uploaded, pushed);
        Assert.Equal(blob.Content, bytes);
        Assert.Equal(6, Server.CountRequests("PATCH", repository, expected: 6));
    }

    [RegistryFact]
    public async Task A_streamed_upload_sends_chunks_as_they_come_and_its_digest_last_and_a_wrong_digest_is_refused()
    {
        using var client = Clients.For(Server, configure: o => o with { UploadChunkSize = 64 * 1024 });
        var repository = Clients.Repository("streamed");
        var blob = TestBlob.Random(64 * 1024 * 3 + 7, seed: 4);
        var other = TestBlob.Random(64 * 1024 * 3 + 7, seed: 5);

        var sent = await client.UploadStreamAsync(repository, new MemoryStream(blob.Content), () => Task.FromResult(blob.Descriptor));
        var refused = await Assert.ThrowsAsync<RegistryException>(() =>
            client.UploadStreamAsync(repository, new MemoryStream(other.Content), () => Task.FromResult(blob.Descriptor)));
        var cut = await Assert.ThrowsAsync<RegistryException>(() =>
            client.UploadStreamAsync(repository, new MemoryStream(other.Content, 0, 100), () => Task.FromResult(other.Descriptor)));

        Assert.Equal(blob.Content.Length, sent);
        Assert.Equal(blob.Content, await client.GetBlobBytesAsync(repository, blob.Descriptor));
        Assert.Equal(4 + 4 + 1, Server.CountRequests("PATCH", repository, expected: 9));
        Assert.Equal(RegistryErrorReason.DigestMismatch, refused.Reason);
        Assert.Equal(RegistryErrorReason.DigestMismatch, cut.Reason);
        Assert.Null(await client.HeadBlobAsync(repository, other.Descriptor.Digest));
    }

    [RegistryFact]
    public async Task A_blob_the_repository_has_is_not_sent_again()
    {
        using var client = Clients.For(Server);
        var repository = Clients.Repository("skip");
        var blob = TestBlob.Random(10_000, seed: 3);
        await client.PushBlobAsync(repository, blob.Descriptor, blob.Content);
        var opened = 0;

        var again = await client.PushBlobAsync(repository, blob.Descriptor, () =>
        {
            opened++;
            return new MemoryStream(blob.Content);
        });

        Assert.Equal(BlobPushResult.AlreadyExists, again);
        Assert.Equal(0, opened);
    }

    [RegistryFact]
    public async Task A_blob_of_another_repository_is_mounted_not_uploaded()
    {
        using var client = Clients.For(Server);
        var source = Clients.Repository("source");
        var target = Clients.Repository("target");
        var blob = TestBlob.Random(50_000, seed: 4);
        await client.PushBlobAsync(source, blob.Descriptor, blob.Content);
        Assert.Null(await client.HeadBlobAsync(target, blob.Descriptor.Digest));
        var opened = 0;

        var result = await client.PushBlobAsync(target, blob.Descriptor, () =>
        {
            opened++;
            return new MemoryStream(blob.Content);
        }, mountFrom: source);

        Assert.Equal(BlobPushResult.Mounted, result);
        Assert.Equal(0, opened);
        Assert.Equal(blob.Content, await client.GetBlobBytesAsync(target, blob.Descriptor));
    }

    [RegistryFact]
    public async Task A_mount_from_a_repository_without_the_blob_falls_back_to_an_upload()
    {
        using var client = Clients.For(Server);
        var blob = TestBlob.Random(5_000, seed: 5);
        var target = Clients.Repository("target");

        var result = await client.PushBlobAsync(target, blob.Descriptor, () => new MemoryStream(blob.Content), mountFrom: Clients.Repository("empty"));

        Assert.Equal(BlobPushResult.Uploaded, result);
        Assert.Equal(blob.Content, await client.GetBlobBytesAsync(target, blob.Descriptor));
    }

    [RegistryFact]
    public async Task A_manifest_pushed_by_tag_comes_back_byte_exact_by_tag_and_by_digest()
    {
        using var client = Clients.For(Server);
        var repository = Clients.Repository("image");
        var image = TestImage.Create("hello");

        await image.PushAsync(client, repository, "v1");
        var byTag = await client.GetManifestAsync(repository, "v1");
        var byDigest = await client.GetManifestAsync(repository, image.ManifestDigest.ToString());
        var head = await client.HeadManifestAsync(repository, "v1");

        Assert.Equal(image.Manifest, byTag.Content);
        Assert.Equal(image.ManifestDigest, byTag.Digest);
        Assert.Equal(MediaTypes.OciManifest, byTag.MediaType);
        Assert.Equal(image.Manifest, byDigest.Content);
        Assert.Equal(image.ManifestDescriptor(), head);
        Assert.Equal(image.Layer.Descriptor, byTag.AsImageManifest().Layers.Single());
        Assert.Equal(["v1"], await client.ListTagsAsync(repository));
    }

    [RegistryFact]
    public async Task A_manifest_list_resolves_to_the_linux_amd64_image()
    {
        using var client = Clients.For(Server);
        var repository = Clients.Repository("multi");
        var amd64 = TestImage.Create("amd64");
        var arm64 = TestImage.Create("arm64", "arm64", "v8");
        await amd64.PushAsync(client, repository, amd64.ManifestDigest.ToString());
        await arm64.PushAsync(client, repository, arm64.ManifestDigest.ToString());
        var list = OciJson.Serialize(new ImageIndex
        {
            MediaType = MediaTypes.DockerManifestList,
            Manifests =
            [
                arm64.ManifestDescriptor(new Platform { Os = "linux", Architecture = "arm64", Variant = "v8" }) with { MediaType = MediaTypes.OciManifest },
                amd64.ManifestDescriptor(new Platform { Os = "linux", Architecture = "amd64" }),
            ],
        });
        var listDigest = await client.PushManifestAsync(repository, "latest", list, MediaTypes.DockerManifestList);

        var (manifest, index) = await client.ResolveAsync(repository, "latest", Platform.Parse("linux/amd64"));
        var (armManifest, _) = await client.ResolveAsync(repository, "latest", Platform.Parse("linux/aarch64"));
        var missing = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(repository, "latest", Platform.Parse("linux/s390x")));

        Assert.Equal(amd64.ManifestDigest, manifest.Digest);
        Assert.Equal(amd64.Manifest, manifest.Content);
        Assert.Equal(listDigest, index!.Digest);
        Assert.Equal(MediaTypes.DockerManifestList, index.MediaType);
        Assert.Equal(arm64.ManifestDigest, armManifest.Digest);
        Assert.Equal(RegistryErrorReason.PlatformNotFound, missing.Reason);
        Assert.Contains("linux/amd64", missing.Message);
    }

    [RegistryFact]
    public async Task Unknown_manifest_and_blob_are_reported_with_the_registrys_codes()
    {
        using var client = Clients.For(Server);
        var repository = Clients.Repository("known");
        await TestImage.Create("x").PushAsync(client, repository, "v1");
        var absent = TestBlob.Random(10, seed: 6).Descriptor;

        var manifest = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(repository, "nope"));
        var blob = await Assert.ThrowsAsync<RegistryException>(() => client.PullBlobAsync(repository, absent, new MemoryStream()));
        var name = await Assert.ThrowsAsync<RegistryException>(() => client.ListTagsAsync(Clients.Repository("never")));

        Assert.Equal(RegistryErrorReason.ManifestUnknown, manifest.Reason);
        Assert.Equal("MANIFEST_UNKNOWN", manifest.ErrorCode);
        Assert.Equal(404, manifest.StatusCode);
        Assert.Contains($"{Server.Host}/{repository}:nope", manifest.Message);
        Assert.Equal(RegistryErrorReason.BlobUnknown, blob.Reason);
        Assert.Contains(absent.Digest.ToString(), blob.Message);
        Assert.Equal(RegistryErrorReason.NameUnknown, name.Reason);
        Assert.Null(await client.HeadManifestAsync(repository, "nope"));
        Assert.Null(await client.HeadBlobAsync(repository, absent.Digest));
    }

    [RegistryFact]
    public async Task Content_that_does_not_match_its_digest_is_refused_by_the_registry()
    {
        using var client = Clients.For(Server);
        var repository = Clients.Repository("bad");
        var blob = TestBlob.Random(1000, seed: 7);
        var other = TestBlob.Random(1000, seed: 8);

        var error = await Assert.ThrowsAsync<RegistryException>(() => client.PushBlobAsync(repository, blob.Descriptor, other.Content));

        Assert.Equal(RegistryErrorReason.DigestMismatch, error.Reason);
        Assert.Null(await client.HeadBlobAsync(repository, blob.Descriptor.Digest));
    }

    [RegistryFact]
    public async Task A_manifest_naming_blobs_the_repository_lacks_is_refused()
    {
        using var client = Clients.For(Server);
        var image = TestImage.Create("orphan");

        var error = await Assert.ThrowsAsync<RegistryException>(() =>
            client.PushManifestAsync(Clients.Repository("orphan"), "v1", image.Manifest, MediaTypes.OciManifest));

        Assert.Equal(RegistryErrorReason.ManifestInvalid, error.Reason);
        Assert.Equal("MANIFEST_BLOB_UNKNOWN", error.ErrorCode);
    }
}
