using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Layers;

/// <summary>Settings of one <see cref="LayerPacker.PackAsync"/> call.</summary>
/// <param name="Compression">The blob's compression (<see cref="LayerCompression"/> of the OCI model, which also
/// picks the layer's media type): gzip is one member deflated in parallel chunks, zstd one frame at level 3.</param>
/// <param name="GzipLevel">Deflate level 1–9 for gzip; null means 6, gzip's own default.</param>
/// <param name="SourceDateEpoch">When set, every modification time later than this is written as this
/// (SOURCE_DATE_EPOCH), so that rebuilding the same tree gives the same bytes.</param>
public sealed record LayerPackOptions(
    LayerCompression Compression = LayerCompression.Gzip,
    int? GzipLevel = null,
    DateTimeOffset? SourceDateEpoch = null);
