namespace ImageBuilder.Core.Oci;

/// <summary>How the bytes of a layer blob are compressed.</summary>
public enum LayerCompression
{
    None,
    Gzip,
    Zstd,
}

/// <summary>
/// The media types of OCI image-spec 1.1 and of Docker's image manifest v2 schema 2,
/// with the questions the rest of ibuild asks about them.
/// </summary>
public static class MediaTypes
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
    public const string OciLayoutHeader = "application/vnd.oci.layout.header.v1+json";
    public const string OciDescriptor = "application/vnd.oci.descriptor.v1+json";

    /// <summary>The config of an artifact that has none: the two bytes <c>{}</c>.</summary>
    public const string OciEmpty = "application/vnd.oci.empty.v1+json";

    /// <summary>An in-toto statement (a provenance attestation's layer, as BuildKit writes it).</summary>
    public const string InToto = "application/vnd.in-toto+json";

    // Deprecated by image-spec 1.1: ibuild reads them but never writes them.
    public const string OciNondistributableLayer = "application/vnd.oci.image.layer.nondistributable.v1.tar";
    public const string OciNondistributableLayerGzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
    public const string OciNondistributableLayerZstd = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    /// <summary>An uncompressed Docker layer; not in Docker's schema 2 text, but containerd and docker save use it.</summary>
    public const string DockerLayer = "application/vnd.docker.image.rootfs.diff.tar";

    public const string DockerForeignLayerGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

    /// <summary>Docker's signed schema 1 manifest: recognised only to be refused with a clear message.</summary>
    public const string DockerManifestSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";

    /// <summary>An image manifest (OCI or Docker schema 2).</summary>
    public static bool IsManifest(string? mediaType) => mediaType is OciManifest or DockerManifest;

    /// <summary>A list of manifests (OCI image index or Docker manifest list).</summary>
    public static bool IsIndex(string? mediaType) => mediaType is OciIndex or DockerManifestList;

    /// <summary>An image config blob (OCI or Docker).</summary>
    public static bool IsConfig(string? mediaType) => mediaType is OciConfig or DockerConfig;

    /// <summary>A filesystem layer of any flavour ibuild can unpack.</summary>
    public static bool IsLayer(string? mediaType) => GetLayerCompression(mediaType) is not null;

    /// <summary>
    /// A layer that registries are not expected to hold (Docker foreign layers, OCI
    /// non-distributable layers): its blob is fetched from the descriptor's urls.
    /// </summary>
    public static bool IsNondistributable(string? mediaType) =>
        mediaType is DockerForeignLayerGzip
            or OciNondistributableLayer or OciNondistributableLayerGzip or OciNondistributableLayerZstd;

    /// <summary>The compression of a layer media type, or null when it is not a layer.</summary>
    public static LayerCompression? GetLayerCompression(string? mediaType) => mediaType switch
    {
        OciLayer or OciNondistributableLayer or DockerLayer => LayerCompression.None,
        OciLayerGzip or OciNondistributableLayerGzip or DockerLayerGzip or DockerForeignLayerGzip => LayerCompression.Gzip,
        OciLayerZstd or OciNondistributableLayerZstd => LayerCompression.Zstd,
        _ => null,
    };

    /// <summary>The OCI media type ibuild writes for a layer with this compression.</summary>
    public static string OciLayerFor(LayerCompression compression) => compression switch
    {
        LayerCompression.None => OciLayer,
        LayerCompression.Gzip => OciLayerGzip,
        LayerCompression.Zstd => OciLayerZstd,
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, null),
    };

    /// <summary>
    /// The Docker schema 2 counterpart of an OCI media type. A type with no Docker
    /// counterpart (zstd layers, artifacts, the empty config) comes back unchanged.
    /// </summary>
    public static string ToDocker(string mediaType) => mediaType switch
    {
        OciManifest => DockerManifest,
        OciIndex => DockerManifestList,
        OciConfig => DockerConfig,
        OciLayerGzip => DockerLayerGzip,
        OciLayer => DockerLayer,
        OciNondistributableLayerGzip => DockerForeignLayerGzip,
        _ => mediaType,
    };

    /// <summary>
    /// The OCI counterpart of a Docker schema 2 media type (the mapping the OCI
    /// image-spec's own compatibility tests apply). Other types come back unchanged.
    /// </summary>
    public static string ToOci(string mediaType) => mediaType switch
    {
        DockerManifest => OciManifest,
        DockerManifestList => OciIndex,
        DockerConfig => OciConfig,
        DockerLayerGzip => OciLayerGzip,
        DockerLayer => OciLayer,
        DockerForeignLayerGzip => OciNondistributableLayerGzip,
        _ => mediaType,
    };
}
