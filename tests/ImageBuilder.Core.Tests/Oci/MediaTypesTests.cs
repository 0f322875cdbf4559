using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Tests.Oci;

public sealed class MediaTypesTests
{
    [Theory]
    [InlineData(MediaTypes.OciLayer, LayerCompression.None)]
    [InlineData(MediaTypes.OciLayerGzip, LayerCompression.Gzip)]
    [InlineData(MediaTypes.OciLayerZstd, LayerCompression.Zstd)]
    [InlineData(MediaTypes.OciNondistributableLayer, LayerCompression.None)]
    [InlineData(MediaTypes.OciNondistributableLayerGzip, LayerCompression.Gzip)]
    [InlineData(MediaTypes.OciNondistributableLayerZstd, LayerCompression.Zstd)]
    [InlineData(MediaTypes.DockerLayer, LayerCompression.None)]
    [InlineData(MediaTypes.DockerLayerGzip, LayerCompression.Gzip)]
    [InlineData(MediaTypes.DockerForeignLayerGzip, LayerCompression.Gzip)]
    public void Layer_types_and_their_compression(string mediaType, LayerCompression compression)
    {
        Assert.True(MediaTypes.IsLayer(mediaType));
        Assert.Equal(compression, MediaTypes.GetLayerCompression(mediaType));
        Assert.False(MediaTypes.IsManifest(mediaType) || MediaTypes.IsIndex(mediaType) || MediaTypes.IsConfig(mediaType));
    }

    [Theory]
    [InlineData(MediaTypes.OciManifest)]
    [InlineData(MediaTypes.OciIndex)]
    [InlineData(MediaTypes.OciConfig)]
    [InlineData(MediaTypes.OciEmpty)]
    [InlineData("application/vnd.oci.image.layer.v1.tar+bzip2")]
    [InlineData("application/octet-stream")]
    [InlineData(null)]
    public void Other_types_are_not_layers(string? mediaType)
    {
        Assert.False(MediaTypes.IsLayer(mediaType));
        Assert.Null(MediaTypes.GetLayerCompression(mediaType));
    }

    [Fact]
    public void Every_media_type_has_its_kind()
    {
        Assert.True(MediaTypes.IsManifest(MediaTypes.OciManifest) && MediaTypes.IsManifest(MediaTypes.DockerManifest));
        Assert.True(MediaTypes.IsIndex(MediaTypes.OciIndex) && MediaTypes.IsIndex(MediaTypes.DockerManifestList));
        Assert.True(MediaTypes.IsConfig(MediaTypes.OciConfig) && MediaTypes.IsConfig(MediaTypes.DockerConfig));
        Assert.False(MediaTypes.IsManifest(MediaTypes.OciIndex) || MediaTypes.IsIndex(MediaTypes.OciManifest));
        Assert.False(MediaTypes.IsManifest(MediaTypes.DockerManifestSchema1Signed));
        Assert.False(MediaTypes.IsNondistributable(MediaTypes.OciLayerGzip));
    }

    [Theory]
    [InlineData(MediaTypes.OciManifest, MediaTypes.DockerManifest)]
    [InlineData(MediaTypes.OciIndex, MediaTypes.DockerManifestList)]
    [InlineData(MediaTypes.OciConfig, MediaTypes.DockerConfig)]
    [InlineData(MediaTypes.OciLayerGzip, MediaTypes.DockerLayerGzip)]
    [InlineData(MediaTypes.OciLayer, MediaTypes.DockerLayer)]
    [InlineData(MediaTypes.OciNondistributableLayerGzip, MediaTypes.DockerForeignLayerGzip)]
    public void Oci_and_docker_types_map_both_ways(string oci, string docker)
    {
        Assert.Equal(docker, MediaTypes.ToDocker(oci));
        Assert.Equal(oci, MediaTypes.ToOci(docker));
        Assert.Equal(MediaTypes.GetLayerCompression(oci), MediaTypes.GetLayerCompression(docker));
    }

    [Theory]
    [InlineData(MediaTypes.OciLayerZstd)]
    [InlineData(MediaTypes.OciEmpty)]
    [InlineData("application/vnd.example+type")]
    public void Types_without_a_counterpart_stay_as_they_are(string mediaType)
    {
        Assert.Equal(mediaType, MediaTypes.ToDocker(mediaType));
        Assert.Equal(mediaType, MediaTypes.ToOci(mediaType));
    }

    [Fact]
    public void Layer_type_for_a_compression()
    {
        Assert.Equal(MediaTypes.OciLayer, MediaTypes.OciLayerFor(LayerCompression.None));
        Assert.Equal(MediaTypes.OciLayerGzip, MediaTypes.OciLayerFor(LayerCompression.Gzip));
        Assert.Equal(MediaTypes.OciLayerZstd, MediaTypes.OciLayerFor(LayerCompression.Zstd));
        Assert.Throws<ArgumentOutOfRangeException>(() => MediaTypes.OciLayerFor((LayerCompression)42));
    }
}
