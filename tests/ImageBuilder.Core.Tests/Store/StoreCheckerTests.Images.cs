using System.IO.Compression;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Core.Tests.Store;

/// <summary>The images the fsck tests damage, made the ways load and builds make them.</summary>
public sealed partial class StoreCheckerTests
{
    /// <summary>An image whose one layer (a tar with etc/message) was unpacked into its snapshot, as load and pull do.</summary>
    private async Task<TestImage> UnpackedImageAsync(
        string tag, string message, LayerCompression compression = LayerCompression.None, Digest? diffIdSaid = null, long? sizeSaid = null)
    {
        var tar = new RawTar().Directory("etc/").File("etc/message", message).ToArray();
        var blob = compression == LayerCompression.Gzip ? Gzip(tar) : tar;
        var layer = new Descriptor { MediaType = MediaTypes.OciLayerFor(compression), Digest = store.WriteBlob(blob), Size = sizeSaid ?? blob.Length };
        var diffId = Digest.Sha256(tar);
        await store.UnpackSnapshotAsync(diffId, layer, diffId, new LayerUnpacker(tree), CancellationToken.None);
        return Commit(tag, layer with { Size = blob.Length }, diffId, diffIdSaid, sizeSaid);
    }

    /// <summary>An image whose layer a build committed: its directory became the snapshot (with a record), the layer
    /// blob is written only when <paramref name="written"/> (else it is lazy, made on first read), plus its cache record.</summary>
    private async Task<TestImage> BuiltImageAsync(string tag, string content, bool written = true)
    {
        var upper = store.CreateScratchDirectory();
        Directory.CreateDirectory(Path.Combine(upper, "app"));
        File.WriteAllText(Path.Combine(upper, "app", "built"), content);
        var packed = await store.CommitLayerAsync(upper, null, null, _ => { }, null, CancellationToken.None);
        if (written)
        {
            store.OpenBlob(packed.Digest).Dispose();
        }

        var layer = new Descriptor { MediaType = MediaTypes.OciLayerFor(LayerCompression.None), Digest = packed.Digest, Size = packed.Size };
        store.WriteCacheRecord(Digest.Sha256(System.Text.Encoding.UTF8.GetBytes(tag)), new CacheRecord("2024-01-01T00:00:00Z", layer, packed.DiffId));
        return Commit(tag, layer, packed.DiffId, null, null);
    }

    private TestImage Commit(string tag, Descriptor layer, Digest diffId, Digest? diffIdSaid, long? sizeSaid)
    {
        var config = OciJson.Serialize(new ImageConfig { Architecture = "amd64", Os = "linux", RootFs = new RootFs { DiffIds = [diffIdSaid ?? diffId] } });
        var configDescriptor = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = store.WriteBlob(config), Size = config.Length };
        var manifestBytes = OciJson.Serialize(new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = configDescriptor,
            Layers = [layer with { Size = sizeSaid ?? layer.Size }],
        });
        var manifest = new Descriptor { MediaType = MediaTypes.OciManifest, Digest = store.WriteBlob(manifestBytes), Size = manifestBytes.Length };
        store.Tag(manifest, ImageReference.Parse(tag));
        return new TestImage(manifest, configDescriptor, layer, diffId);
    }

    private void Flip(Digest blob)
    {
        var bytes = File.ReadAllBytes(store.BlobPath(blob));
        bytes[bytes.Length / 3] ^= 0xff;
        File.WriteAllBytes(store.BlobPath(blob), bytes);
    }

    /// <summary>Every file of the store but the lock files and the snapshot records fsck adds, with its content.</summary>
    private SortedDictionary<string, string> Contents()
    {
        var root = dir.Combine("store");
        var contents = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, path);
            if (!relative.StartsWith("ibuild/snapshot-records", StringComparison.Ordinal) && !relative.EndsWith("lock", StringComparison.Ordinal))
            {
                contents[relative] = File.Exists(path) ? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))) : "dir";
            }
        }

        return contents;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        return buffer.ToArray();
    }

    private sealed record TestImage(Descriptor Manifest, Descriptor Config, Descriptor Layer, Digest DiffId);
}
