using System.Security.Cryptography;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;
using ImageBuilder.Core.Tracing;
using ImageBuilder.Registry;

namespace ImageBuilder.Application.Registries;

/// <summary>
/// Before a push compresses a layer that came into the store uncompressed (a docker archive
/// loaded, a rootfs imported) — a build's base, typically — it looks for the registry's own
/// compressed form of it: an image of the store named in the destination's registry (as
/// <c>docker save</c> names what it saved) that holds the layer is fetched by that name
/// (manifest, config), and a gzip layer there whose config gives it the same diff id is
/// downloaded, checked (its digest, and that it unpacks to that diff id: another repository's
/// config is not trusted), kept as the layer's gzip form and recorded as coming from there, so
/// the push mounts it instead of compressing and uploading it. On the bench's busybox base that
/// is ~70 ms of gzip and a 1 MB upload, for three GETs of the loopback registry. Anything that
/// does not fit (no such image, an index, a layer that is not gzip or does not match, any
/// error) leaves the layer to be compressed as before.
/// </summary>
internal sealed class RegistryLayerForms(ContentStore store)
{
    /// <summary>Candidate images fetched at most, per push.</summary>
    private const int MaxCandidates = 2;

    /// <summary>The diff ids of <paramref name="image"/>'s layers that are stored uncompressed with no gzip form known.</summary>
    public HashSet<Digest> Wanted(ImageRecord image) =>
        Enumerable.Range(0, image.Manifest.Layers.Count)
            .Where(i => MediaTypes.GetLayerCompression(image.Manifest.Layers[i].MediaType) == LayerCompression.None)
            .Select(i => image.Config.RootFs.DiffIds[i])
            .Where(diffId => store.FindConvertedLayer(diffId, LayerCompression.Gzip) is null)
            .ToHashSet();

    /// <summary>
    /// Adopts the registry's gzip form of what it can of <paramref name="wanted"/> (from
    /// <see cref="Wanted"/>; what is adopted is removed) for <paramref name="image"/>'s push to
    /// <paramref name="destination"/> (which is not asked: it is what the push makes).
    /// </summary>
    public async Task AdoptAsync(ImageRecord image, ImageReference destination, HashSet<Digest> wanted, IRegistryClient client, CancellationToken cancellationToken)
    {
        // The size of each wanted layer as stored (uncompressed): all the registry's form may unpack to.
        var local = Enumerable.Range(0, image.Manifest.Layers.Count).Where(i => wanted.Contains(image.Config.RootFs.DiffIds[i]))
            .DistinctBy(i => image.Config.RootFs.DiffIds[i]).ToDictionary(i => image.Config.RootFs.DiffIds[i], i => image.Manifest.Layers[i].Size);
        var candidates = store.ListImages()
            .Where(other => other.Config.RootFs.DiffIds.Any(wanted.Contains))
            .SelectMany(other => other.Tags.Where(tag => tag.Registry == client.Registry && tag.Tag is not null && tag.ToString() != destination.ToString()))
            .DistinctBy(tag => tag.ToString())
            .Take(MaxCandidates)
            .ToList();
        foreach (var candidate in candidates)
        {
            using var phase = BuildTrace.Phase("registry layer lookup").Arg("ref", candidate.ToString());
            try
            {
                phase.Arg("adopted", await AdoptFromAsync(candidate, wanted, local, client, cancellationToken));
            }
            catch (Exception e) when (e is not (OperationCanceledException or UserNamespaceRequiredException))
            {
                // Only a shortcut: whatever went wrong, the layer is compressed here as before.
                phase.Arg("error", e.Message);
            }

            if (wanted.Count == 0)
            {
                return;
            }
        }
    }

    /// <summary>Adopts what <paramref name="reference"/>'s image in the registry has of <paramref name="wanted"/> (removed from it); returns how many.</summary>
    private async Task<int> AdoptFromAsync(
        ImageReference reference, HashSet<Digest> wanted, Dictionary<Digest, long> local, IRegistryClient client, CancellationToken cancellationToken)
    {
        var fetched = await client.GetManifestAsync(reference.Repository, reference.Tag!, cancellationToken);
        if (fetched.IsIndex)
        {
            return 0;
        }

        var manifest = fetched.AsImageManifest();
        var config = OciJson.Deserialize<ImageConfig>(await client.GetBlobBytesAsync(reference.Repository, manifest.Config, cancellationToken));
        var diffIds = config.RootFs.DiffIds;
        var adopted = 0;
        for (var i = 0; i < Math.Min(diffIds.Count, manifest.Layers.Count); i++)
        {
            var layer = manifest.Layers[i];
            if (!wanted.Contains(diffIds[i]) || MediaTypes.GetLayerCompression(layer.MediaType) != LayerCompression.Gzip)
            {
                continue;
            }

            if (!store.HasBlob(layer.Digest))
            {
                await using var writer = store.BeginBlob();
                await client.PullBlobAsync(reference.Repository, layer, writer.Stream, cancellationToken);
                writer.Commit(layer.Digest);
            }

            if (await GzipDiffIdAsync(layer.Digest, local[diffIds[i]], cancellationToken) != diffIds[i])
            {
                continue; // left for prune: nothing refers to it
            }

            var gzip = new Descriptor { MediaType = MediaTypes.OciLayerFor(LayerCompression.Gzip), Digest = layer.Digest, Size = store.BlobSize(layer.Digest) };
            store.RecordConvertedLayer(diffIds[i], LayerCompression.Gzip, gzip);
            store.RecordLayerDiffId(layer.Digest, diffIds[i]);
            store.RecordBlobSources([layer.Digest], $"{reference.Registry}/{reference.Repository}");
            wanted.Remove(diffIds[i]);
            adopted++;
        }

        return adopted;
    }

    /// <summary>
    /// The sha256 of the tar the stored blob unpacks to, when it is gzip and unpacks to no more
    /// than <paramref name="limit"/> bytes (the layer as the store has it); null otherwise.
    /// </summary>
    private async Task<Digest?> GzipDiffIdAsync(Digest blob, long limit, CancellationToken cancellationToken)
    {
        await using var source = store.OpenBlob(blob);
        var (compression, tar) = await LayerStreamFormat.OpenAsync(source, cancellationToken);
        await using (tar)
        {
            if (compression != LayerCompression.Gzip)
            {
                return null;
            }

            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 16];
            long total = 0;
            int read;
            while ((read = await tar.ReadAsync(buffer, cancellationToken)) > 0)
            {
                total += read;
                if (total > limit)
                {
                    return null;
                }

                sha.AppendData(buffer, 0, read);
            }

            return Digest.Parse("sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset()));
        }
    }
}
