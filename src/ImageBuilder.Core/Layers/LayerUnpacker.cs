using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Tracing;

namespace ImageBuilder.Core.Layers;

/// <summary>What unpacking a layer measured: its diffID (sha256 of the uncompressed tar) and that tar's size.</summary>
public sealed record UnpackedLayer(Digest DiffId, long UncompressedSize);

/// <summary>
/// Applies one layer blob (gzip, zstd or plain tar) to an empty snapshot directory so that the
/// directory can serve as an overlayfs lower dir: whiteouts become overlay whiteouts, opaque
/// markers become opaque directories, and directory times are set after their contents.
/// The diffID is computed in the same pass.
/// </summary>
/// <remarks>
/// Hostile archives. Names are cleaned by <see cref="LayerPath.Clean"/> (absolute names are
/// taken relative to the root, a ".." that climbs above it is refused); every write goes through
/// <paramref name="writer"/>, which resolves paths inside the root, so symlinks (also ones that
/// replaced a directory earlier in the same archive) are followed as if the snapshot were "/".
/// Hardlink targets follow the same rule as names and must already exist in the snapshot.
/// NULs in names, negative sizes, out-of-range ids and times, oversized extended headers and
/// sparse or unknown entry types are refused. Refusals and failed writes surface as a
/// <see cref="LayerFormatException"/> naming the entry; nothing is ever written outside the
/// snapshot, and on failure the caller deletes the snapshot.
/// </remarks>
public sealed partial class LayerUnpacker(IFileTreeWriter writer)
{
    /// <summary>Unpacks <paramref name="layer"/> (read forward only; left open) into <paramref name="snapshotDir"/>.</summary>
    public async Task<UnpackedLayer> UnpackAsync(Stream layer, string snapshotDir, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentException.ThrowIfNullOrEmpty(snapshotDir);
        using var phase = BuildTrace.Phase("unpack");

        var (_, tar) = await LayerStreamFormat.OpenAsync(layer, cancellationToken).ConfigureAwait(false);
        await using var digesting = new DigestingReadStream(tar);
        var reader = new LayerTarReader(digesting);
        var pass = new Pass(writer, snapshotDir);
        while (await reader.ReadNextAsync(cancellationToken).ConfigureAwait(false) is { } header)
        {
            cancellationToken.ThrowIfCancellationRequested();
            pass.Apply(header, reader.Content!);
        }

        try
        {
            await digesting.DrainAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (TarEntryContent.AsCorruption(error, null) is { } corruption)
        {
            throw corruption;
        }

        pass.SetDirectoryTimes();
        using (BuildTrace.Durability("fsync tree"))
        {
            writer.Flush(snapshotDir);
        }

        phase.Arg("tarBytes", digesting.BytesRead);
        return new UnpackedLayer(digesting.GetDigest(), digesting.BytesRead);
    }
}
