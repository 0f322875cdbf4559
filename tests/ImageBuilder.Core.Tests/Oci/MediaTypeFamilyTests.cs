using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Tests.Oci;

public sealed class MediaTypeFamilyTests
{
    private static Descriptor Blob(string mediaType, char fill) => new()
    {
        MediaType = mediaType,
        Digest = Digest.Parse("sha256:" + new string(fill, 64)),
        Size = 10,
        Urls = mediaType == MediaTypes.DockerForeignLayerGzip ? ["https://example.com/layer"] : null,
    };

    private static ImageManifest Manifest(string? mediaType, string config, params string[] layers) => new()
    {
        MediaType = mediaType,
        Config = Blob(config, 'c'),
        Layers = layers.Select((l, i) => Blob(l, (char)('a' + i))).ToList(),
    };

    private static string[] Types(ImageManifest m) => [m.MediaType ?? "", m.Config.MediaType, .. m.Layers.Select(l => l.MediaType)];

    [Fact]
    public void An_oci_manifest_over_a_docker_base_takes_oci_types_for_every_layer_and_keeps_digests_and_urls()
    {
        var mixed = Manifest(MediaTypes.OciManifest, MediaTypes.OciConfig,
            MediaTypes.DockerLayerGzip, MediaTypes.DockerForeignLayerGzip, MediaTypes.DockerLayer, MediaTypes.OciLayer);

        var unified = MediaTypeFamily.Unify(mixed);

        Assert.False(MediaTypeFamily.IsUniform(mixed));
        Assert.True(MediaTypeFamily.IsUniform(unified));
        Assert.Equal([MediaTypes.OciManifest, MediaTypes.OciConfig, MediaTypes.OciLayerGzip, MediaTypes.OciNondistributableLayerGzip,
            MediaTypes.OciLayer, MediaTypes.OciLayer], Types(unified));
        Assert.Equal(mixed.Layers.Select(l => (l.Digest, l.Size, l.Urls)), unified.Layers.Select(l => (l.Digest, l.Size, l.Urls)));
    }

    [Fact]
    public void A_docker_manifest_with_oci_layers_takes_docker_types()
    {
        var mixed = Manifest(MediaTypes.DockerManifest, MediaTypes.OciConfig, MediaTypes.OciLayerGzip, MediaTypes.DockerLayerGzip);

        Assert.Equal([MediaTypes.DockerManifest, MediaTypes.DockerConfig, MediaTypes.DockerLayerGzip, MediaTypes.DockerLayerGzip],
            Types(MediaTypeFamily.Unify(mixed)));
    }

    [Fact]
    public void A_docker_manifest_with_a_zstd_layer_becomes_oci_as_a_whole()
    {
        var mixed = Manifest(MediaTypes.DockerManifest, MediaTypes.DockerConfig, MediaTypes.DockerLayerGzip, MediaTypes.OciLayerZstd);

        Assert.Equal([MediaTypes.OciManifest, MediaTypes.OciConfig, MediaTypes.OciLayerGzip, MediaTypes.OciLayerZstd],
            Types(MediaTypeFamily.Unify(mixed)));
    }

    [Theory]
    [InlineData(MediaTypes.OciManifest, MediaTypes.OciConfig, MediaTypes.OciLayerGzip)]
    [InlineData(null, MediaTypes.OciConfig, MediaTypes.OciLayerZstd)]
    [InlineData(MediaTypes.DockerManifest, MediaTypes.DockerConfig, MediaTypes.DockerLayerGzip)]
    public void A_manifest_of_one_family_comes_back_as_it_is(string? manifest, string config, string layer)
    {
        var uniform = Manifest(manifest, config, layer, layer);

        Assert.Same(uniform, MediaTypeFamily.Unify(uniform));
        Assert.True(MediaTypeFamily.IsUniform(uniform));
    }
}
