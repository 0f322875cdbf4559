using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ImageBuilder.Registry.Tests.Fixtures;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Registry;

/// <summary><c>ibuild push</c> and <c>ibuild pull</c> against the real docker-registry, checked with skopeo.</summary>
public sealed class RegistryPushPullTests(PlainRegistry registry) : IClassFixture<PlainRegistry>, IDisposable
{
    private readonly TempDirectory dir = new("ibuild-it-registry-");

    private RegistryServer Server => registry.Server;

    public void Dispose() => dir.Dispose();

    [RegistryRootFact]
    public async Task Skopeo_reads_back_what_ibuild_pushed_with_the_same_digests()
    {
        var store = dir.Combine("store");
        var reference = $"{Server.Host}/{RegistryTestKit.Repository("pushed")}:1";
        (await Tools.Ibuild("--root", store, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1")).Ok();

        var push = (await Tools.Ibuild("--root", store, "push", "box:1", reference)).Ok();

        var digest = push.Stdout.Trim();
        var raw = (await Tools.Run("skopeo", "inspect", "--raw", "--tls-verify=false", $"docker://{reference}")).Ok().Stdout;
        using var inspected = JsonDocument.Parse((await Tools.Run("skopeo", "inspect", "--tls-verify=false", $"docker://{reference}")).Ok().Stdout);
        Assert.Equal(digest, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(raw))));
        Assert.Equal(digest, inspected.RootElement.GetProperty("Digest").GetString());
        using var manifest = JsonDocument.Parse(raw);
        var layer = manifest.RootElement.GetProperty("layers")[0];
        Assert.Equal("application/vnd.oci.image.layer.v1.tar+gzip", layer.GetProperty("mediaType").GetString());

        var local = await RegistryTestKit.InspectAsync(store, "box:1");
        Assert.Equal(local.DiffIds, await RegistryTestKit.DiffIdsWithSkopeoAsync(reference));
        var archive = dir.Combine("copy.tar");
        (await Tools.Run("skopeo", "copy", "--src-tls-verify=false", $"docker://{reference}", $"docker-archive:{archive}:copy:1")).Ok();
        using var config = JsonDocument.Parse((await Tools.Run("skopeo", "inspect", "--config", $"docker-archive:{archive}")).Ok().Stdout);
        Assert.Equal(local.DiffIds, config.RootElement.GetProperty("rootfs").GetProperty("diff_ids").EnumerateArray().Select(d => d.GetString()!));
        Assert.Equal(local.Id, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            (await Tools.Run("skopeo", "inspect", "--raw", "--config", "--tls-verify=false", $"docker://{reference}")).Ok().Stdout))));

        // A second push sends nothing new: every blob is already there.
        var again = (await Tools.Ibuild("--root", store, "push", "box:1", reference)).Ok();
        Assert.Equal(digest, again.Stdout.Trim());
        Assert.Equal(2, again.Stderr.Split('\n').Count(l => l.Contains("already exists", StringComparison.Ordinal)));
    }

    [RegistryRootFact]
    public async Task A_push_to_another_repository_mounts_the_layers_it_pulled_from_the_same_registry()
    {
        var first = $"{Server.Host}/{RegistryTestKit.Repository("origin")}:1";
        var second = $"{Server.Host}/{RegistryTestKit.Repository("copy")}:1";
        await RegistryTestKit.PushBusyboxAsync(dir.Combine("a"), first);
        (await Tools.Ibuild("--root", dir.Combine("b"), "pull", first)).Ok();

        var push = (await Tools.Ibuild("--root", dir.Combine("b"), "push", first, second)).Ok();

        Assert.Contains("mounted from", push.Stderr);
        Assert.Equal(await RegistryTestKit.DiffIdsWithSkopeoAsync(first), await RegistryTestKit.DiffIdsWithSkopeoAsync(second));
    }

    [RegistryRootFact]
    public async Task A_second_push_to_the_same_repository_asks_nothing_about_the_blobs_it_pushed_there()
    {
        var (repository, reference, store) = await PushBusyboxToNewRepositoryAsync("again");
        Assert.Equal(3, Server.CountRequests("PUT", repository, 3));
        var heads = HeadsTo(repository);

        var again = (await Tools.Ibuild("--root", store, "push", "box:1", $"{Server.Host}/{repository}:2")).Ok();

        // The first push: a HEAD (answered 404), an upload's POST and PUT for the layer and the
        // config, a PUT for the manifest. The second: only its manifest's PUT.
        Assert.Equal(2, heads);
        Assert.Equal(4, Server.CountRequests("PUT", repository, 4));
        Assert.Equal(heads, HeadsTo(repository));
        Assert.Equal(2, again.Stderr.Split('\n').Count(l => l.Contains("already exists", StringComparison.Ordinal)));
        Assert.Equal(await RegistryTestKit.DiffIdsWithSkopeoAsync(reference), await RegistryTestKit.DiffIdsWithSkopeoAsync($"{Server.Host}/{repository}:2"));
    }

    [RegistryRootFact]
    public async Task A_small_layer_the_push_compresses_first_is_uploaded_without_asking_the_registry()
    {
        var context = dir.Combine("context");
        Directory.CreateDirectory(context);
        await File.WriteAllTextAsync(Path.Combine(context, "hello"), "a layer of a few bytes\n");
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), "FROM box:1\nCOPY hello /hello\n");
        var store = dir.Combine("store");
        (await Tools.Ibuild("--root", store, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1")).Ok();
        (await Tools.Ibuild("--root", store, "build", "-t", "small:1", context)).Ok();
        var repository = RegistryTestKit.Repository("small");
        var reference = $"{Server.Host}/{repository}:1";

        var push = (await Tools.Ibuild("--root", store, "push", "small:1", reference)).Ok();

        // PUTs of two layers, the config and the manifest; HEADs for the imported base and the
        // config, none for the layer the build made (stored uncompressed, gzipped by this push).
        Assert.Equal(4, Server.CountRequests("PUT", repository, 4));
        Assert.Equal(2, HeadsTo(repository));
        Assert.Equal(3, push.Stderr.Split('\n').Count(l => l.Contains(": pushed (", StringComparison.Ordinal)));
        Assert.Equal((await RegistryTestKit.InspectAsync(store, "small:1")).DiffIds, await RegistryTestKit.DiffIdsWithSkopeoAsync(reference));
    }

    [RegistryRootFact]
    public async Task A_big_layer_the_push_compresses_first_is_uploaded_in_chunks_while_it_is_compressed()
    {
        var context = dir.Combine("big-context");
        Directory.CreateDirectory(context);
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), "FROM box:1\nRUN head -c 24000000 /dev/urandom > /big\n");
        var store = dir.Combine("store");
        (await Tools.Ibuild("--root", store, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1")).Ok();
        (await Tools.Ibuild("--root", store, "build", "--network", "none", "-t", "big:1", context)).Ok();
        var repository = RegistryTestKit.Repository("big");
        var reference = $"{Server.Host}/{repository}:1";

        var push = (await Tools.Ibuild("--root", store, "push", "big:1", reference)).Ok();

        // Chunks of 8 MiB at most: the 24 MB of random bytes stay about that size in gzip.
        Assert.Contains(", while compressed)", push.Stderr);
        Assert.True(Server.CountRequests("PATCH", repository, 3) >= 3);
        Assert.Equal((await RegistryTestKit.InspectAsync(store, "big:1")).DiffIds, await RegistryTestKit.DiffIdsWithSkopeoAsync(reference));
        var copy = dir.Combine("copy");
        (await Tools.Run("skopeo", "copy", "-q", "--src-tls-verify=false", $"docker://{reference}", $"dir:{copy}")).Ok();
        var layer = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(copy, "manifest.json"))).RootElement.GetProperty("layers")[1].GetProperty("digest").GetString()!;
        Assert.Equal(layer, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(copy, layer[7..])))));
    }

    /// <summary>busybox pushed from a new store to a new repository (tag 1): its name, the reference and the store.</summary>
    private async Task<(string Repository, string Reference, string Store)> PushBusyboxToNewRepositoryAsync(string prefix)
    {
        var repository = RegistryTestKit.Repository(prefix);
        var reference = $"{Server.Host}/{repository}:1";
        var store = dir.Combine("store");
        await RegistryTestKit.PushBusyboxAsync(store, reference);
        return (repository, reference, store);
    }

    /// <summary>HEAD requests for blobs of <paramref name="repository"/> in the registry's log, answered or not (a 404 is logged as an error).</summary>
    private int HeadsTo(string repository) => Server.Log.Split('\n').Count(line => line.Contains("http.request.method=HEAD ", StringComparison.Ordinal)
        && line.Contains($"/v2/{repository}/blobs/", StringComparison.Ordinal) && line.Contains("msg=\"response completed", StringComparison.Ordinal));

    [RegistryRootFact]
    public async Task A_push_after_the_registry_lost_a_blob_checks_every_blob_and_succeeds()
    {
        var (repository, _, store) = await PushBusyboxToNewRepositoryAsync("lost");
        // The repository's links to its layers go, as a registry's delete and garbage collection would take them.
        Directory.Delete(Path.Combine(Server.Directory, "data", "docker", "registry", "v2", "repositories", repository, "_layers"), recursive: true);

        var again = (await Tools.Ibuild("--root", store, "push", "box:1", $"{Server.Host}/{repository}:2")).Ok();

        Assert.Contains("the registry no longer has every blob pushed there before; checking each", again.Stderr);
        Assert.Contains("pushed (", again.Stderr);
        Assert.Equal((await RegistryTestKit.InspectAsync(store, "box:1")).DiffIds, await RegistryTestKit.DiffIdsWithSkopeoAsync($"{Server.Host}/{repository}:2"));
    }

    [RegistryRootFact]
    public async Task Ibuild_pulls_what_skopeo_pushed_and_the_image_runs()
    {
        var source = dir.Combine("source");
        (await Tools.Ibuild("--root", source, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1")).Ok();
        var archive = dir.Combine("box.tar");
        (await Tools.Ibuild("--root", source, "save", "--format", "oci", "-o", archive, "box:1")).Ok();
        var reference = $"{Server.Host}/{RegistryTestKit.Repository("skopeo")}:v1";
        (await Tools.Run("skopeo", "copy", "--dest-tls-verify=false", $"oci-archive:{archive}", $"docker://{reference}")).Ok();
        using var inspected = JsonDocument.Parse((await Tools.Run("skopeo", "inspect", "--tls-verify=false", $"docker://{reference}")).Ok().Stdout);
        var store = dir.Combine("store");

        var pull = (await Tools.Ibuild("--root", store, "pull", reference)).Ok();

        var pulled = await RegistryTestKit.InspectAsync(store, reference);
        using var json = JsonDocument.Parse((await Tools.Ibuild("--root", store, "inspect", reference)).Ok().Stdout);
        Assert.Equal(pulled.Id, pull.Stdout.Trim());
        Assert.Equal(inspected.RootElement.GetProperty("Digest").GetString(), json.RootElement.GetProperty("ManifestDigest").GetString());
        Assert.Equal(inspected.RootElement.GetProperty("Layers").EnumerateArray().Select(l => l.GetString()!), pulled.Layers);
        Assert.Equal((await RegistryTestKit.InspectAsync(source, "box:1")).DiffIds, pulled.DiffIds);
        Assert.Equal(3, RegistryTestKit.AssertEveryBlobVerifies(store));
        Assert.Equal("pulled\n", (await Tools.Ibuild("--root", store, "run", reference, "echo", "pulled")).Ok().Stdout);

        var again = (await Tools.Ibuild("--root", store, "pull", reference)).Ok();
        Assert.Contains("already exists", again.Stderr);
    }

    [RegistryRootFact]
    public async Task Pulling_a_name_the_registry_does_not_have_is_one_line_and_exit_code_1()
    {
        var result = await Tools.Ibuild("--root", dir.Combine("store"), "pull", $"{Server.Host}/{RegistryTestKit.Repository("none")}:1");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("ibuild: pull ", result.Stderr);
        Assert.Contains("unknown", result.Stderr);
        Assert.Single(result.Stderr.TrimEnd('\n').Split('\n'));
    }
}
