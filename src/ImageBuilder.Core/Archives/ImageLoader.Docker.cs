using System.Text.RegularExpressions;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;

namespace ImageBuilder.Core.Archives;

// docker-save archives, read through manifest.json as docker load reads them.
public sealed partial class ImageLoader
{
    private async Task<IReadOnlyList<PendingImage>> ReadDockerArchiveAsync(string root, CancellationToken cancellationToken)
    {
        var images = new List<PendingImage>();
        foreach (var entry in DockerArchiveManifest.Read(await File.ReadAllBytesAsync(Path.Combine(root, "manifest.json"), cancellationToken)))
        {
            var configBytes = await File.ReadAllBytesAsync(InArchive(root, entry.Config), cancellationToken);
            var configDigest = Digest.Sha256(configBytes);
            if (NamedDigest(entry.Config) is { } named && named != configDigest)
            {
                throw new ArchiveFormatException($"the config \"{entry.Config}\" is damaged: its content has digest {configDigest}");
            }

            var config = ReadConfig(configBytes);
            var layers = new List<Descriptor>();
            foreach (var layerPath in entry.Layers)
            {
                layers.Add(await StoreLayerFileAsync(root, layerPath, cancellationToken));
            }

            store.WriteBlob(configBytes);
            var manifest = new ImageManifest
            {
                MediaType = MediaTypes.OciManifest,
                Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = configDigest, Size = configBytes.Length },
                Layers = layers,
            };
            var names = (entry.RepoTags ?? []).Select(ParseName).OfType<ImageReference>().ToList();
            images.Add(new PendingImage(manifest, config, names, null));
        }

        return images;
    }

    /// <summary>A layer file of a docker archive into the store; its media type says the compression its bytes have.</summary>
    private async Task<Descriptor> StoreLayerFileAsync(string root, string name, CancellationToken cancellationToken)
    {
        var path = InArchive(root, name);
        var head = new byte[4];
        await using (var probe = File.OpenRead(path))
        {
            await probe.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        }

        await using var file = File.OpenRead(path);
        try
        {
            var (digest, size) = await store.WriteBlobAsync(file, NamedDigest(name), cancellationToken);
            return new Descriptor { MediaType = MediaTypes.OciLayerFor(LayerStreamFormat.Detect(head)), Digest = digest, Size = size };
        }
        catch (StoreException e) when (e.Reason == StoreError.DigestMismatch)
        {
            throw new ArchiveFormatException($"the layer \"{name}\" is damaged: {e.Message}");
        }
    }

    /// <summary>
    /// The digest an archive member's name promises: <c>blobs/sha256/HEX</c> (the newer layout) or a
    /// classic config's <c>HEX.json</c>. A classic layer's <c>ID/layer.tar</c> promises nothing.
    /// </summary>
    private static Digest? NamedDigest(string name)
    {
        var match = DigestName().Match(name);
        var hex = match.Groups["blob"].Success ? match.Groups["blob"].Value : match.Groups["config"].Value;
        return match.Success && Digest.TryParse("sha256:" + hex, out var digest) ? digest : null;
    }

    private static string InArchive(string root, string name)
    {
        var full = Path.GetFullPath(Path.Combine(root, name));
        return full.StartsWith(root + "/", StringComparison.Ordinal) && File.Exists(full)
            ? full
            : throw new ArchiveFormatException($"the archive names \"{name}\" but does not hold it");
    }

    [GeneratedRegex(@"^(?:\./)?(?:blobs/sha256/(?<blob>[0-9a-f]{64})|(?<config>[0-9a-f]{64})\.json)$")]
    private static partial Regex DigestName();
}
