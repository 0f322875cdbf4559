using System.Text.Json;
using ImageBuilder.Core.Oci;
using ImageBuilder.Registry.Tests.Fixtures;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Registry.Tests;

/// <summary>What skopeo pushes the client pulls, and what the client pushes skopeo reads, digests unchanged.</summary>
public sealed class SkopeoInteropTests(PlainRegistryFixture fixture) : IClassFixture<PlainRegistryFixture>
{
    private const string Skopeo = "/usr/bin/skopeo";

    private RegistryServer Server => fixture.Server;

    [SkopeoFact]
    public async Task The_client_pulls_what_skopeo_pushed_with_the_same_digests()
    {
        var image = TestImage.Create("pushed by skopeo");
        using var layout = new TempDirectory("ibuild-oci-layout-");
        WriteLayout(layout.Path, image, "v1");
        var repository = Clients.Repository("skopeo-push");

        ExternalTool.Run(Skopeo, "copy", "--dest-tls-verify=false", $"oci:{layout.Path}:v1", $"docker://{Server.Host}/{repository}:v1");
        using var client = Clients.For(Server);
        var manifest = await client.GetManifestAsync(repository, "v1");
        var parsed = manifest.AsImageManifest();

        Assert.Equal(image.ManifestDigest, manifest.Digest);
        Assert.Equal(image.Manifest, manifest.Content);
        Assert.Equal(image.Layer.Descriptor.Digest, parsed.Layers.Single().Digest);
        Assert.Equal(image.Layer.Content, await client.GetBlobBytesAsync(repository, parsed.Layers.Single()));
        Assert.Equal(image.Config.Content, await client.GetBlobBytesAsync(repository, parsed.Config));
    }

    [SkopeoFact]
    public async Task Skopeo_reads_back_exactly_what_the_client_pushed()
    {
        var image = TestImage.Create("pushed by ibuild");
        var repository = Clients.Repository("ibuild-push");
        using (var client = Clients.For(Server))
        {
            await image.PushAsync(client, repository, "v2");
        }

        var raw = ExternalTool.Run(Skopeo, "inspect", "--raw", "--tls-verify=false", $"docker://{Server.Host}/{repository}:v2");
        using var inspected = JsonDocument.Parse(ExternalTool.Run(Skopeo, "inspect", "--tls-verify=false", $"docker://{Server.Host}/{repository}:v2"));
        using var copy = new TempDirectory("ibuild-oci-copy-");
        ExternalTool.Run(Skopeo, "copy", "--src-tls-verify=false", $"docker://{Server.Host}/{repository}:v2", $"oci:{copy.Path}:v2");

        Assert.Equal(System.Text.Encoding.UTF8.GetString(image.Manifest), raw.TrimEnd('\n'));
        Assert.Equal(image.ManifestDigest.ToString(), inspected.RootElement.GetProperty("Digest").GetString());
        Assert.Equal([image.Layer.Descriptor.Digest.ToString()], inspected.RootElement.GetProperty("Layers").EnumerateArray().Select(l => l.GetString()!));
        Assert.Equal(image.Layer.Content, File.ReadAllBytes(Path.Combine(copy.Path, "blobs", "sha256", image.Layer.Descriptor.Digest.Encoded)));
        Assert.Equal(image.Manifest, File.ReadAllBytes(Path.Combine(copy.Path, "blobs", "sha256", image.ManifestDigest.Encoded)));
    }

    /// <summary>An OCI image layout holding the image, tagged <paramref name="tag"/>.</summary>
    private static void WriteLayout(string root, TestImage image, string tag)
    {
        var blobs = Directory.CreateDirectory(Path.Combine(root, "blobs", "sha256")).FullName;
        File.WriteAllText(Path.Combine(root, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        File.WriteAllBytes(Path.Combine(blobs, image.Layer.Descriptor.Digest.Encoded), image.Layer.Content);
        File.WriteAllBytes(Path.Combine(blobs, image.Config.Descriptor.Digest.Encoded), image.Config.Content);
        File.WriteAllBytes(Path.Combine(blobs, image.ManifestDigest.Encoded), image.Manifest);
        var index = OciJson.Serialize(new ImageIndex
        {
            Manifests = [image.ManifestDescriptor() with { Annotations = new Dictionary<string, string> { ["org.opencontainers.image.ref.name"] = tag } }],
        });
        File.WriteAllBytes(Path.Combine(root, "index.json"), index);
    }
}

/// <summary>A test that needs the registry and skopeo (scripts/deps.sh installs both).</summary>
public sealed class SkopeoFactAttribute : FactAttribute
{
    public SkopeoFactAttribute()
    {
        if (!RegistryServer.Available || !File.Exists("/usr/bin/skopeo"))
        {
            Skip = "needs docker-registry and skopeo (scripts/deps.sh installs them)";
        }
    }
}
