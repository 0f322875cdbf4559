using ImageBuilder.Core.Tracing;

namespace ImageBuilder.Core.Layers;

/// <summary>
/// Turns a directory tree (typically a step's overlayfs upper dir) into an OCI layer blob:
/// a PAX tar in the reader's order, compressed, with the diffID, digest and size computed in
/// the same single pass that writes the blob. Memory stays flat whatever the layer's size.
/// </summary>
/// <remarks>
/// Four stages run at once: this method's task walks the tree and writes the tar into 1 MiB
/// chunks, the sink's task hashes them for the diffID (<see cref="TarChunkSink"/>), the encoder
/// compresses the chunks (gzip: several chunks in parallel; zstd: one stream on its own task),
/// and its consumer writes the blob while hashing it for the digest. Bounded queues between the
/// stages keep a handful of chunks in memory at most.
/// </remarks>
public sealed class LayerPacker(IFileTreeReader reader)
{
    /// <summary>Packs the tree under <paramref name="root"/> into <paramref name="output"/>
    /// (which is written, never flushed or closed).</summary>
    public async Task<PackedLayer> PackAsync(string root, Stream output, LayerPackOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(options);
        if (options.GzipLevel is { } level && (level < 1 || level > 9))
        {
            throw new ArgumentOutOfRangeException(nameof(options), level, "GzipLevel must be 1 to 9");
        }

        // One pass: the tar, the diff id, compression and the blob's digest; the trace's "pack".
        using var phase = BuildTrace.Phase("pack");
        await using var encoder = LayerEncoder.Create(options, output);
        await using var sink = new TarChunkSink(encoder);
        var tar = new TarArchiveWriter(sink, options.SourceDateEpoch);
        var entries = 0L;

        // Walking the tree makes blocking system calls: keep them off the caller's context.
        await Task.Run(
            async () =>
            {
                foreach (var entry in reader.Enumerate(root))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    await tar.WriteEntryAsync(entry, () => reader.OpenRead(root, entry), cancellationToken);
                    entries++;
                }

                await tar.WriteEndAsync(cancellationToken);
            },
            cancellationToken);

        var diffId = await sink.CompleteAsync(cancellationToken);
        await encoder.CompleteAsync(cancellationToken);
        if (phase.IsRecording)
        {
            phase.Arg("entries", entries).Arg("tarBytes", sink.Length).Arg("blobBytes", encoder.Size)
                .Arg("compression", options.Compression.ToString().ToLowerInvariant())
                .Arg("diffIdHashMs", sink.HashTime).Arg("digestHashMs", encoder.HashTime);
        }

        // An uncompressed blob is the tar: its digest is the diff id, hashed once.
        return new PackedLayer(diffId, options.Compression == Oci.LayerCompression.None ? diffId : encoder.Digest, encoder.Size);
    }
}
