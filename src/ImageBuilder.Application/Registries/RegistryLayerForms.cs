using System.Security.Cryptography;
using System.Text.Json;
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
                phase.Arg("adopted", await AdoptFromAsync(candidate, wanted, client, cancellationToken));
            }
            catch (Exception e) when (e is RegistryException or LayerFormatException or IOException or InvalidDataException or JsonException or HttpRequestException)
            {
            }

            if (wanted.Count == 0)
            {
                return;
            }
        }
    }

    /// <summary>Adopts what <paramref name="reference"/>'s image in the registry has of <paramref name="wanted"/> (removed from it); returns how many.</summary>
    private async Task<int> AdoptFromAsync(ImageReference reference, HashSet<Digest> wanted, IRegistryClient client, CancellationToken cancellationToken)
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

            if (await DiffIdAsync(layer.Digest, cancellationToken) != diffIds[i])
            {
                continue; // left for prune: nothing refers to it
            }

            var gzip = new Descriptor { MediaType = MediaTypes.OciLayerFor(LayerCompression.Gzip), Digest = layer.Digest, Size = layer.Size };
            store.RecordConvertedLayer(diffIds[i], LayerCompression.Gzip, gzip);
            store.RecordLayerDiffId(layer.Digest, diffIds[i]);
            store.RecordBlobSources([layer.Digest], $"{reference.Registry}/{reference.Repository}");
            wanted.Remove(diffIds[i]);
            adopted++;
        }

        return adopted;
    }

    /// <summary>The sha256 of the tar the stored blob unpacks to.</summary>
    private async Task<Digest> DiffIdAsync(Digest blob, CancellationToken cancellationToken)
    {
        await using var source = store.OpenBlob(blob);
        var (_, tar) = await LayerStreamFormat.OpenAsync(source, cancellationToken);
        await using (tar)
        {
            using var sha = SHA256.Create();
            return Digest.Parse("sha256:" + Convert.ToHexStringLower(await sha.ComputeHashAsync(tar, cancellationToken)));
        }
    }
}
