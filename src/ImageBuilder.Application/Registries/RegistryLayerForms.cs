using System.IO.Pipelines;
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

    /// <summary>
    /// What a push of <paramref name="image"/> to <paramref name="destination"/> may adopt: the diff
    /// ids of its layers stored uncompressed with no gzip form known that an image of the store
    /// named in the destination's registry (not the destination: it is what the push makes) holds
    /// too, and those names. Only these layers wait for <see cref="AdoptAsync"/>; the others (a
    /// build's own) compress at once.
    /// </summary>
    public Lookup Plan(ImageRecord image, ImageReference destination)
    {
        var uncompressed = Enumerable.Range(0, image.Manifest.Layers.Count)
            .Where(i => MediaTypes.GetLayerCompression(image.Manifest.Layers[i].MediaType) == LayerCompression.None)
            .Select(i => image.Config.RootFs.DiffIds[i])
            .Where(diffId => store.FindConvertedLayer(diffId, LayerCompression.Gzip) is null)
            .ToHashSet();
        var wanted = new HashSet<Digest>();
        var candidates = new List<ImageReference>();
        foreach (var other in uncompressed.Count == 0 ? [] : store.ListImages())
        {
            var held = other.Config.RootFs.DiffIds.Where(uncompressed.Contains).ToList();
            var names = other.Tags.Where(tag => tag.Registry == destination.Registry && tag.Tag is not null && tag.ToString() != destination.ToString()).ToList();
            if (held.Count == 0 || names.Count == 0 || candidates.Count == MaxCandidates)
            {
                continue;
            }

            wanted.UnionWith(held);
            foreach (var name in names.TakeWhile(_ => candidates.Count < MaxCandidates))
            {
                if (!candidates.Exists(known => known.ToString() == name.ToString()))
                {
                    candidates.Add(name);
                }
            }
        }

        return new Lookup(wanted, candidates);
    }

    /// <summary>
    /// Adopts the registry's gzip form of what it can of <paramref name="lookup"/>'s layers (what is
    /// adopted is removed from its <see cref="Lookup.Wanted"/>) for <paramref name="image"/>'s push,
    /// trying each of its candidate names in turn.
    /// </summary>
    public async Task AdoptAsync(ImageRecord image, Lookup lookup, IRegistryClient client, CancellationToken cancellationToken)
    {
        var wanted = new HashSet<Digest>(lookup.Wanted);

        // The size of each wanted layer as stored (uncompressed): all the registry's form may unpack to.
        var local = Enumerable.Range(0, image.Manifest.Layers.Count).Where(i => wanted.Contains(image.Config.RootFs.DiffIds[i]))
            .DistinctBy(i => image.Config.RootFs.DiffIds[i]).ToDictionary(i => image.Config.RootFs.DiffIds[i], i => image.Manifest.Layers[i].Size);
        foreach (var candidate in lookup.Candidates)
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

            var unpacked = store.HasBlob(layer.Digest)
                ? await StoredGzipDiffIdAsync(layer.Digest, local[diffIds[i]], cancellationToken)
                : await PullCheckedAsync(client, reference.Repository, layer, local[diffIds[i]], cancellationToken);
            if (unpacked != diffIds[i])
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
    /// Downloads the registry's layer into the store and, as it comes, unpacks it
    /// (<see cref="GzipDiffIdAsync"/>): the check costs no time after the download.
    /// </summary>
    private async Task<Digest?> PullCheckedAsync(IRegistryClient client, string repository, Descriptor layer, long limit, CancellationToken cancellationToken)
    {
        await using var writer = store.BeginBlob();
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19, useSynchronizationContext: false));

        // A layer the check has refused (not gzip, bigger than the layer, not even gzip's framing)
        // is not downloaded further.
        using var refused = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var check = Task.Run(async () =>
        {
            try
            {
                await using var unpacking = pipe.Reader.AsStream();
                return await GzipDiffIdAsync(unpacking, limit, cancellationToken) ?? await RefuseAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await refused.CancelAsync();
                throw;
            }

            async Task<Digest?> RefuseAsync()
            {
                await refused.CancelAsync();
                return null;
            }
        }, cancellationToken);
        try
        {
            await using (var tee = new TeeStream(writer.Stream, pipe.Writer))
            {
                await client.PullBlobAsync(repository, layer, tee, refused.Token);
            }

            await pipe.Writer.CompleteAsync();
        }
        catch (Exception e)
        {
            await pipe.Writer.CompleteAsync(e);
            await check.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            if (e is OperationCanceledException && refused.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return await check; // the check stopped the download: its verdict, or its failure
            }

            throw;
        }

        var checkedDiffId = await check;
        writer.Commit(layer.Digest);
        return checkedDiffId;
    }

    private async Task<Digest?> StoredGzipDiffIdAsync(Digest blob, long limit, CancellationToken cancellationToken)
    {
        await using var source = store.OpenBlob(blob);
        return await GzipDiffIdAsync(source, limit, cancellationToken);
    }

    /// <summary>
    /// The sha256 of the tar <paramref name="source"/> unpacks to, when it is gzip and unpacks to no
    /// more than <paramref name="limit"/> bytes (the layer as the store has it); null otherwise.
    /// </summary>
    private static async Task<Digest?> GzipDiffIdAsync(Stream source, long limit, CancellationToken cancellationToken)
    {
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

    /// <summary>The layers a push may adopt (diff ids) and the names of the store's images in the destination's registry that hold them.</summary>
    public sealed record Lookup(IReadOnlySet<Digest> Wanted, IReadOnlyList<ImageReference> Candidates);
}
