using System.Text;
using ImageBuilder.Core.Oci;
using ImageBuilder.TestSupport.Oci;

namespace ImageBuilder.Core.Tests.Oci;

/// <summary>Docker's image manifest v2 schema 2 and manifest lists read into the same model as OCI.</summary>
public sealed class DockerCompatibilityTests
{
    // The shape Docker Hub serves: three-space indentation, size before digest.
    private const string DockerManifest = """
        {
           "schemaVersion": 2,
           "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
           "config": {
              "mediaType": "application/vnd.docker.container.image.v1+json",
              "size": 1469,
              "digest": "sha256:feb5d9fea6a5e9606aa995e879d862b825965ba48de054caab5ef356dc6b3412"
           },
           "layers": [
              {
                 "mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
                 "size": 1718332879,
                 "digest": "sha256:4612f6d0b889cad0ed0292fae3a0b0c8a9e49aff6dea8eb049b2386d9b07986f",
                 "urls": [
                    "https://mcr.microsoft.com/v2/windows/servercore/blobs/sha256:4612f6d0b889cad0ed0292fae3a0b0c8a9e49aff6dea8eb049b2386d9b07986f"
                 ]
              },
              {
                 "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                 "size": 2479,
                 "digest": "sha256:2db29710123e3e53a794f2694094b9b4338aa9ee5c40b930cb8063a1be392c54"
              }
           ]
        }
        """;

    private const string DockerManifestList = """
        {
           "manifests": [
              {
                 "digest": "sha256:f54a58bc1aac5ea1a25d796ae155dc228b3f0e11d046ae276b39c4bf2f13d8c4",
                 "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                 "platform": { "architecture": "amd64", "os": "linux" },
                 "size": 525
              },
              {
                 "digest": "sha256:7b8b7289d0536a08eabdf71c20246e23f7116641db7e1d278592236ea4dcb30c",
                 "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                 "platform": { "architecture": "arm", "os": "linux", "variant": "v5" },
                 "size": 525
              },
              {
                 "digest": "sha256:2c6fc1a4f4d0a1ea6b0b8a0b4a1a4e1dd3b8e5e33d1d2c4d6a0e8b1e4f0a2b3c",
                 "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                 "platform": { "architecture": "amd64", "os": "windows", "os.version": "10.0.20348.2340", "os.features": ["win32k"] },
                 "size": 946
              }
           ],
           "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
           "schemaVersion": 2
        }
        """;

    [Fact]
    public void Docker_schema2_manifest_reads()
    {
        var manifest = OciJson.Deserialize<ImageManifest>(Encoding.UTF8.GetBytes(DockerManifest));

        Assert.Equal(MediaTypes.DockerManifest, manifest.MediaType);
        Assert.True(MediaTypes.IsConfig(manifest.Config.MediaType));
        Assert.Equal(1469, manifest.Config.Size);
        Assert.Equal([LayerCompression.Gzip, LayerCompression.Gzip], manifest.Layers.Select(layer => MediaTypes.GetLayerCompression(layer.MediaType)));
        Assert.True(MediaTypes.IsNondistributable(manifest.Layers[0].MediaType));
        Assert.StartsWith("https://mcr.microsoft.com/", manifest.Layers[0].Urls![0]);
        OciSchemaValidator.AssertValid(MediaTypes.DockerManifest, Encoding.UTF8.GetBytes(DockerManifest));
        OciSchemaValidator.AssertValid(MediaTypes.DockerManifest, OciJson.Serialize(manifest));
    }

    [Fact]
    public void Oci_manifest_reads()
    {
        var manifest = OciJson.Deserialize<ImageManifest>(OciSpecCorpus.Get("examples/manifest/00.json").Bytes());

        Assert.Equal(MediaTypes.OciManifest, manifest.MediaType);
        Assert.Equal(MediaTypes.OciConfig, manifest.Config.MediaType);
        Assert.Equal(3, manifest.Layers.Count);
        Assert.All(manifest.Layers, layer => Assert.Equal(LayerCompression.Gzip, MediaTypes.GetLayerCompression(layer.MediaType)));
        Assert.Equal(7682, manifest.Subject!.Size);
        Assert.Equal("value1", manifest.Annotations!["com.example.key1"]);
    }

    [Fact]
    public void Docker_manifest_list_reads_with_platforms()
    {
        var index = OciJson.Deserialize<ImageIndex>(Encoding.UTF8.GetBytes(DockerManifestList));

        Assert.Equal(MediaTypes.DockerManifestList, index.MediaType);
        Assert.Equal(["linux/amd64", "linux/arm/v5", "windows/amd64"], index.Manifests.Select(entry => entry.Platform!.ToString()));
        Assert.Equal("10.0.20348.2340", index.Manifests[2].Platform!.OsVersion);
        Assert.Equal(["win32k"], index.Manifests[2].Platform!.OsFeatures);
        OciSchemaValidator.AssertValid(MediaTypes.DockerManifestList, OciJson.Serialize(index));
    }

    // The corpus' compat documents had their Docker media types rewritten to OCI ones;
    // rewriting them back gives the documents Docker Hub served.
    [Theory]
    [InlineData("tests/manifest/compat-01-valid.json", MediaTypes.DockerManifest)]
    [InlineData("tests/imageIndex/compat-00-valid.json", MediaTypes.DockerManifestList)]
    public void Compat_documents_read_in_their_docker_form(string file, string mediaType)
    {
        var text = Encoding.UTF8.GetString(OciSpecCorpus.Get(file).Bytes());
        foreach (var oci in new[] { MediaTypes.OciManifest, MediaTypes.OciIndex, MediaTypes.OciLayerGzip })
        {
            text = text.Replace($"\"{oci}\"", $"\"{MediaTypes.ToDocker(oci)}\"", StringComparison.Ordinal);
        }

        var written = OciSpecCorpus.ReadAndWrite(mediaType, Encoding.UTF8.GetBytes(text));

        Assert.Contains(mediaType, Encoding.UTF8.GetString(written));
        OciSchemaValidator.AssertValid(mediaType, written);
    }

    [Fact]
    public void Manifest_media_type_must_be_a_manifest()
    {
        var index = Encoding.UTF8.GetBytes(DockerManifest.Replace(MediaTypes.DockerManifest, MediaTypes.DockerManifestList, StringComparison.Ordinal));
        var manifest = Encoding.UTF8.GetBytes(DockerManifestList.Replace(MediaTypes.DockerManifestList, MediaTypes.OciManifest, StringComparison.Ordinal));

        Assert.Equal("$.mediaType", Assert.Throws<OciFormatException>(() => OciJson.Deserialize<ImageManifest>(index)).Field);
        Assert.Equal("$.mediaType", Assert.Throws<OciFormatException>(() => OciJson.Deserialize<ImageIndex>(manifest)).Field);
    }
}
