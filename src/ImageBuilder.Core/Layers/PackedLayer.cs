using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Layers;

/// <summary>What packing a layer produced.</summary>
/// <param name="DiffId">sha256 of the uncompressed tar (the image config's <c>rootfs.diff_ids</c>).</param>
/// <param name="Digest">sha256 of the blob as written (the manifest's layer descriptor).</param>
/// <param name="Size">Bytes of the blob as written.</param>
public sealed record PackedLayer(Digest DiffId, Digest Digest, long Size);
