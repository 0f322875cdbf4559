using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;

namespace ImageBuilder.Core.Archives;

public sealed partial class ImageLoader
{
    /// <summary>
    /// <c>ibuild import</c>: makes a one-layer image from a root filesystem tarball (plain or
    /// gzip). The tar becomes the layer as it is (gzip-compressed for the store); the config
    /// names this machine's platform and records the import in its history.
    /// </summary>
    public async Task<ImageRecord> ImportRootfsAsync(
        Stream tarball, string source, ImageReference? name, DateTimeOffset created, CancellationToken cancellationToken)
    {
        using var protect = store.ProtectNewContent();
        var (_, input) = await Layers.LayerStreamFormat.OpenAsync(tarball, cancellationToken);
        using var diffHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        (Digest Digest, long Size) blob;
        await using (var writer = store.BeginBlob())
        {
            await using (var gzip = new GZipStream(writer.Stream, CompressionLevel.Optimal, leaveOpen: true))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await input.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    diffHash.AppendData(buffer, 0, read);
                    await gzip.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }

            blob = writer.Commit(null);
        }

        var diffId = Digest.Parse("sha256:" + Convert.ToHexStringLower(diffHash.GetHashAndReset()));
        var timestamp = created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var platform = Platform.Current;
        var config = new ImageConfig
        {
            Architecture = platform.Architecture,
            Os = platform.Os,
            Variant = platform.Variant,
            Created = timestamp,
            Config = new ExecutionConfig { Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
            RootFs = new RootFs { DiffIds = [diffId] },
            History = [new HistoryEntry { Created = timestamp, CreatedBy = $"ibuild import {Path.GetFileName(source)}", Comment = "imported from a root filesystem tarball" }],
        };
        var configBytes = OciJson.Serialize(config);
        var manifest = new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = store.WriteBlob(configBytes), Size = configBytes.Length },
            Layers = [new Descriptor { MediaType = MediaTypes.OciLayerFor(LayerCompression.Gzip), Digest = blob.Digest, Size = blob.Size }],
        };
        return await CommitAsync(manifest, config, name is null ? [] : [name], cancellationToken);
    }
}
