using System.Text;
using System.Text.Json;
using ImageBuilder.Registry.Tests.Fixtures;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Registry;

/// <summary>
/// Provenance attestations for real: pushed to docker-registry and read back with skopeo, in an OCI
/// archive read by skopeo, in the store; what is attached by default and what never enters them.
/// </summary>
public sealed class ProvenanceTests(PlainRegistry registry) : IClassFixture<PlainRegistry>, IDisposable
{
    private const string Secret = "s3cr3t-provenance-VALUE";

    private const string Dockerfile = """
        FROM box:1
        ARG GREETING=hi
        RUN --mount=type=secret,id=token cat /run/secrets/token | wc -c > /size && echo "$GREETING" > /greeting
        """;

    private static readonly HttpClient Http = new();

    private readonly TempDirectory dir = new("ibuild-it-provenance-");

    private string Store => dir.Combine("store");

    public void Dispose() => dir.Dispose();

    [RegistryRootFact]
    public async Task A_pushed_build_carries_an_attestation_manifest_about_its_image_with_no_secret_and_max_says_more_than_min()
    {
        var context = await ContextAsync();
        var repository = RegistryTestKit.Repository("prov");
        var min = $"{registry.Server.Host}/{repository}:min";
        var max = $"{registry.Server.Host}/{repository}:max";

        (await Build("-t", min, "--push", context)).Ok();
        (await Build("-t", max, "--push", "--provenance", "mode=max", context)).Ok();

        var minimal = await PushedStatementAsync(repository, min);
        var full = await PushedStatementAsync(repository, max);

        // The subject is the image as pushed, named as a package URL; the base is a dependency by digest.
        var subject = Assert.Single(minimal.GetProperty("subject").EnumerateArray());
        Assert.Equal($"pkg:docker/{registry.Server.Host}/{repository}@min?platform=linux%2Famd64", subject.GetProperty("name").GetString());
        var definition = minimal.GetProperty("predicate").GetProperty("buildDefinition");
        Assert.StartsWith("pkg:docker/box@1?platform=linux%2Famd64", definition.GetProperty("resolvedDependencies")[0].GetProperty("uri").GetString());

        // min: no build arg, no secret id; max: the build arg, the secret's id, the steps and the Dockerfile.
        var minRequest = definition.GetProperty("externalParameters").GetProperty("request");
        Assert.False(minRequest.TryGetProperty("args", out _));
        Assert.False(minRequest.TryGetProperty("secrets", out _));
        var fullRequest = full.GetProperty("predicate").GetProperty("buildDefinition").GetProperty("externalParameters").GetProperty("request");
        Assert.Equal("hey", fullRequest.GetProperty("args").GetProperty("build-arg:GREETING").GetString());
        Assert.Equal("token", fullRequest.GetProperty("secrets")[0].GetProperty("id").GetString());
        Assert.Equal(2, full.GetProperty("predicate").GetProperty("buildDefinition").GetProperty("internalParameters")
            .GetProperty("buildConfig").GetProperty("steps").GetArrayLength());
        Assert.True(full.GetProperty("predicate").GetProperty("runDetails").GetProperty("metadata").GetProperty("buildkit_metadata").TryGetProperty("layers", out _));

        // The secret was used (the step counted its bytes) and is nowhere: not in a blob of the store, not in what was pushed.
        Assert.Equal($"{Secret.Length}\n", (await Tools.Ibuild("--root", Store, "run", min, "cat", "/size")).Ok().Stdout);
        Assert.DoesNotContain(Directory.EnumerateFiles(Store, "*", SearchOption.AllDirectories), f => new FileInfo(f).Length < (64 << 20) && Contains(f, Secret));
        Assert.DoesNotContain(Directory.EnumerateFiles(registry.Server.Directory, "*", SearchOption.AllDirectories), f => Contains(f, Secret));

        // ibuild push of an image of the store adds nothing, as docker push.
        var plain = $"{registry.Server.Host}/{repository}:plain";
        (await Tools.Ibuild("--root", Store, "push", min, plain)).Ok();
        using var manifest = JsonDocument.Parse((await Skopeo("inspect", "--tls-verify=false", "--raw", $"docker://{plain}")).Stdout);
        Assert.Equal("application/vnd.oci.image.manifest.v1+json", manifest.RootElement.GetProperty("mediaType").GetString());
    }

    [RegistryRootFact]
    public async Task An_oci_archive_gets_one_by_default_and_the_store_and_a_docker_archive_only_when_asked()
    {
        var context = await ContextAsync();
        var oci = dir.Combine("out-oci.tar");
        var docker = dir.Combine("out-docker.tar");

        (await Build("-t", "app:1", "-o", $"type=oci,dest={oci}", context)).Ok();
        (await Build("-t", "app:2", "-o", $"type=docker,dest={docker}", context)).Ok();

        using (var index = JsonDocument.Parse((await Skopeo("inspect", "--raw", $"oci-archive:{oci}")).Stdout))
        {
            var entries = index.RootElement.GetProperty("manifests");
            Assert.Equal(2, entries.GetArrayLength());
            Assert.Equal(entries[0].GetProperty("digest").GetString(), entries[1].GetProperty("annotations").GetProperty("vnd.docker.reference.digest").GetString());
        }

        Assert.Equal("linux", JsonDocument.Parse((await Skopeo("inspect", "--config", $"oci-archive:{oci}")).Stdout).RootElement.GetProperty("os").GetString());
        Assert.Equal("application/vnd.oci.image.manifest.v1+json", await MediaTypeInStore("app:1"));
        Assert.Equal("application/vnd.oci.image.manifest.v1+json", await MediaTypeInStore("app:2"));
        Assert.Contains("\"layers\"", (await Skopeo("inspect", "--raw", $"docker-archive:{docker}")).Stdout);

        // Asked for, the store names an index of the image and its attestation; run, images, inspect and save work on it.
        (await Build("-t", "app:3", "--provenance=true", context)).Ok();
        Assert.Equal("application/vnd.oci.image.index.v1+json", await MediaTypeInStore("app:3"));
        Assert.Equal("hey\n", (await Tools.Ibuild("--root", Store, "run", "app:3", "cat", "/greeting")).Ok().Stdout);
        Assert.Contains("linux/amd64", (await Tools.Ibuild("--root", Store, "images")).Ok().Stdout);
        var saved = dir.Combine("saved.tar");
        (await Tools.Ibuild("--root", Store, "save", "--format", "oci", "-o", saved, "app:3")).Ok();
        using var savedIndex = JsonDocument.Parse((await Skopeo("inspect", "--raw", $"oci-archive:{saved}")).Stdout);
        Assert.Equal("attestation-manifest", savedIndex.RootElement.GetProperty("manifests")[1].GetProperty("annotations").GetProperty("vnd.docker.reference.type").GetString());
    }

    private static bool Contains(string file, string text) =>
        File.ReadAllBytes(file).AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;

    private async Task<string> MediaTypeInStore(string name)
    {
        using var inspect = JsonDocument.Parse((await Tools.Ibuild("--root", Store, "inspect", name)).Ok().Stdout);
        // An index says its media type; a single image shows its manifest.
        return (inspect.RootElement.TryGetProperty("MediaType", out var index) ? index : inspect.RootElement.GetProperty("Manifest").GetProperty("mediaType")).GetString()!;
    }

    /// <summary>The in-toto statement the pushed index's attestation holds, checked against the index on the way.</summary>
    private async Task<JsonElement> PushedStatementAsync(string repository, string reference)
    {
        using var index = JsonDocument.Parse((await Skopeo("inspect", "--tls-verify=false", "--raw", $"docker://{reference}")).Stdout);
        var entries = index.RootElement.GetProperty("manifests");
        Assert.Equal(2, entries.GetArrayLength());
        var image = entries[0].GetProperty("digest").GetString();
        var attestation = entries[1];
        Assert.Equal("unknown", attestation.GetProperty("platform").GetProperty("os").GetString());
        Assert.Equal("unknown", attestation.GetProperty("platform").GetProperty("architecture").GetString());
        Assert.Equal("attestation-manifest", attestation.GetProperty("annotations").GetProperty("vnd.docker.reference.type").GetString());
        Assert.Equal(image, attestation.GetProperty("annotations").GetProperty("vnd.docker.reference.digest").GetString());

        var digest = attestation.GetProperty("digest").GetString();
        using var manifest = JsonDocument.Parse((await Skopeo("inspect", "--tls-verify=false", "--raw", $"docker://{registry.Server.Host}/{repository}@{digest}")).Stdout);
        var layer = Assert.Single(manifest.RootElement.GetProperty("layers").EnumerateArray());
        Assert.Equal("application/vnd.in-toto+json", layer.GetProperty("mediaType").GetString());
        Assert.Equal("https://slsa.dev/provenance/v1", layer.GetProperty("annotations").GetProperty("in-toto.io/predicate-type").GetString());

        var blob = await Http.GetByteArrayAsync(new Uri($"http://{registry.Server.Host}/v2/{repository}/blobs/{layer.GetProperty("digest").GetString()}"));
        Assert.DoesNotContain(Secret, Encoding.UTF8.GetString(blob), StringComparison.Ordinal);
        var statement = JsonDocument.Parse(blob).RootElement.Clone();
        Assert.Equal("https://in-toto.io/Statement/v1", statement.GetProperty("_type").GetString());
        Assert.Equal(image, "sha256:" + statement.GetProperty("subject")[0].GetProperty("digest").GetProperty("sha256").GetString());
        return statement;
    }

    private Task<Tools.Result> Build(params string[] args) =>
        Tools.Ibuild(["--root", Store, "build", "--progress", "plain", "--build-arg", "GREETING=hey", "--secret", $"id=token,src={dir.Combine("token")}", .. args]);

    private static async Task<Tools.Result> Skopeo(params string[] args) => (await Tools.Run("skopeo", args)).Ok();

    private async Task<string> ContextAsync()
    {
        (await Tools.Ibuild("--root", Store, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1")).Ok();
        File.WriteAllText(dir.Combine("token"), Secret);
        var context = Directory.CreateDirectory(dir.Combine("context")).FullName;
        File.WriteAllText(Path.Combine(context, "Dockerfile"), Dockerfile);
        return context;
    }
}
