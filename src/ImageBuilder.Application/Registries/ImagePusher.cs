using System.IO.Pipelines;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;
using ImageBuilder.Core.Tracing;
using ImageBuilder.Registry;

namespace ImageBuilder.Application.Registries;

/// <summary>
/// <c>ibuild push</c> (and <c>build --push</c>): each layer given gzip compression (once per
/// store, by <see cref="LayerRecompressor"/>; the store keeps them uncompressed) and pushed as
/// soon as it is compressed. Compressing is the CPU's work and uploading the registry's, so they
/// are limited apart: <see cref="ConversionsAtOnce"/> layers compress while up to
/// <see cref="Parallelism"/> blobs upload, and the config (the same whatever the layers'
/// compression) uploads from the start (nothing is asked about a blob this store pushed to or
/// pulled from the repository before; a HEAD skips what the repository has, but for a small layer
/// this push compressed first, sent at once; a layer pulled from another repository of the
/// registry is mounted from there); then the manifest. The first
/// failure cancels the rest. Returns the manifest's digest. Its lines are held until every layer
/// is converted: converting a layer a build has not written may need rootless ibuild's user
/// namespace, and the push then runs again inside, which prints them again.
/// </summary>
public sealed class ImagePusher(ContentStore store, RegistryAccess registries, Action<string> log)
{
    /// <summary>Blobs sent at once.</summary>
    public const int Parallelism = 4;

    /// <summary>
    /// The size up to which a layer compressed by this push is uploaded without a HEAD first: a
    /// round trip costs more than its bytes (a registry's CPU, on a push of many small layers).
    /// </summary>
    private const long AskAbove = 64 * 1024;

    /// <summary>The uncompressed size above which a layer this push compresses first is uploaded as it is compressed.</summary>
    private const long StreamAbove = 16 << 20;

    /// <summary>Layers uploaded while compressed at once, at most (the others are uploaded after).</summary>
    private const int StreamsAtOnce = 2;

    /// <summary>Layers compressed at once (a big one also compresses its chunks in parallel).</summary>
    private static readonly int ConversionsAtOnce = Math.Max(2, Environment.ProcessorCount);

    private readonly HeldLines lines = new(log);

    // Blobs taken as already in the repository without asking (this push's).
    private int skipped;

    public async Task<Digest> PushAsync(ImageRecord image, ImageReference destination, CancellationToken cancellationToken)
    {
        try
        {
            var (pushed, _) = await PushImageAsync(image, destination, byDigest: false, cancellationToken);
            lines.Release();
            return pushed.Digest;
        }
        catch (Exception e) when (e is not UserNamespaceRequiredException)
        {
            // Said with the error; not when the push must run again inside the user namespace.
            lines.Release();
            throw;
        }
    }

    /// <summary>
    /// A multi-platform image: each platform's image pushed by its digest (as <see cref="PushAsync"/>
    /// pushes one), one after the other, then the index of what was pushed (their manifests with gzip
    /// layers, each with its platform) under the destination's tag. Returns the index's digest.
    /// </summary>
    /// <remarks>
    /// With <paramref name="attest"/>, each image as pushed (its gzip layers, its manifest digest)
    /// gets an attestation manifest, written to the store by the callback and pushed by its digest
    /// after the image; the index lists them after the images, as BuildKit's does.
    /// </remarks>
    public async Task<Digest> PushIndexAsync(
        IReadOnlyList<(ImageRecord Image, Platform Platform)> images, ImageReference destination, CancellationToken cancellationToken,
        Func<ImageRecord, Platform, Descriptor>? attest = null)
    {
        try
        {
            var manifests = new List<Descriptor>();
            var attestations = new List<Descriptor>();
            foreach (var (image, platform) in images)
            {
                var (pushed, asPushed) = await PushImageAsync(image, destination, byDigest: true, cancellationToken);
                manifests.Add(pushed with { Platform = platform });
                if (attest is not null)
                {
                    attestations.Add(await PushAttestationAsync(attest(asPushed, platform), destination, cancellationToken));
                }
            }

            var bytes = OciJson.Serialize(new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = [.. manifests, .. attestations] });
            var client = registries.Client(destination.Registry);
            var reference = destination.Tag ?? destination.Digest?.ToString() ?? ImageReference.DefaultTag;
            var digest = await client.PushManifestAsync(destination.Repository, reference, bytes, MediaTypes.OciIndex, cancellationToken);
            lines.Write($"{destination.ToFamiliarString()}: index digest: {digest} size: {bytes.Length} ({string.Join(", ", images.Select(i => i.Platform))})");
            lines.Release();
            return digest;
        }
        catch (Exception e) when (e is not UserNamespaceRequiredException)
        {
            lines.Release();
            throw;
        }
    }

    /// <summary>Makes the repository hold every blob (from the store, written already: nothing is held), <see cref="Parallelism"/> at once.</summary>
    internal Task PushBlobsAsync(IRegistryClient client, string repository, IEnumerable<Descriptor> blobs, CancellationToken cancellationToken)
    {
        lines.Release();
        return PushEachBlobAsync(client, repository, blobs, cancellationToken);
    }

    /// <summary>An attestation manifest of the store (config, in-toto layer, manifest) pushed by its digest; returns its descriptor.</summary>
    private async Task<Descriptor> PushAttestationAsync(Descriptor attestation, ImageReference destination, CancellationToken cancellationToken)
    {
        var client = registries.Client(destination.Registry);
        var bytes = store.ReadBlob(attestation.Digest);
        var manifest = OciJson.Deserialize<ImageManifest>(bytes);
        await PushEachBlobAsync(client, destination.Repository, manifest.Layers.Append(manifest.Config), cancellationToken);
        await client.PushManifestAsync(destination.Repository, attestation.Digest.ToString(), bytes, attestation.MediaType, cancellationToken);
        lines.Write($"{destination.ToFamiliarString()}: attestation manifest {attestation.Digest} (about {attestation.Annotations?[Attestations.ReferenceDigest]})");
        return attestation;
    }

    /// <summary>
    /// The image's blobs, then its manifest, under the destination's tag or (<paramref name="byDigest"/>) its own digest;
    /// returns the manifest pushed and the image as pushed (its layers gzip).
    /// </summary>
    private async Task<(Descriptor Pushed, ImageRecord AsPushed)> PushImageAsync(ImageRecord image, ImageReference destination, bool byDigest, CancellationToken cancellationToken)
    {
        using var protect = store.ProtectNewContent();
        var client = registries.Client(destination.Registry);
        var repository = destination.Repository;
        lines.Write($"The push refers to repository [{destination.Registry}/{repository}]");
        var recompressor = new LayerRecompressor(store);
        var known = $"{destination.Registry}/{repository}";
        var forms = new RegistryLayerForms(store);
        var lookup = forms.Plan(image, destination);
        var converted = new Descriptor[image.Manifest.Layers.Count];
        using var uploads = new SemaphoreSlim(Parallelism);
        await AllOrNothingAsync(cancellationToken, token =>
        {
            // The layers the registry may hold already wait for that answer; the others start at once.
            var adopting = lookup.Wanted.Count > 0 ? forms.AdoptAsync(image, lookup, client, token) : Task.CompletedTask;
            return
            [
                adopting,
                PushBlobAsync(client, repository, image.Manifest.Config, known, uploads, token),
                ConvertAndPushLayersAsync(recompressor, image, converted, client, repository, known, uploads, diffId => lookup.Wanted.Contains(diffId) ? adopting : Task.CompletedTask, token),
            ];
        });
        lines.Release();
        var withLayers = recompressor.WithLayers(image, converted);
        Descriptor[] blobs = [.. withLayers.Manifest.Layers, withLayers.Manifest.Config];
        var manifest = store.ReadBlob(withLayers.ManifestDescriptor.Digest);
        var reference = byDigest ? withLayers.ManifestDescriptor.Digest.ToString() : destination.Tag ?? destination.Digest?.ToString() ?? ImageReference.DefaultTag;
        var mediaType = withLayers.ManifestDescriptor.MediaType ?? MediaTypes.OciManifest;
        Digest digest;
        try
        {
            digest = await client.PushManifestAsync(repository, reference, manifest, mediaType, cancellationToken);
        }
        catch (RegistryException e) when (e.ErrorCode is "MANIFEST_BLOB_UNKNOWN" or "BLOB_UNKNOWN" || (Volatile.Read(ref skipped) > 0 && e.StatusCode is 400 or 404))
        {
            // A blob this store pushed there earlier is gone (deleted, garbage-collected; registries
            // say so with MANIFEST_BLOB_UNKNOWN, some with a bare 400 or 404): check every one, then again.
            lines.Write($"{destination.ToFamiliarString()}: the registry no longer has every blob pushed there before; checking each");
            await PushEachBlobAsync(client, repository, blobs, cancellationToken);
            digest = await client.PushManifestAsync(repository, reference, manifest, mediaType, cancellationToken);
        }

        store.RecordBlobSources(blobs.Select(b => b.Digest), known);
        lines.Write($"{destination.ToFamiliarString()}: digest: {digest} size: {manifest.Length}");
        return (new Descriptor { MediaType = mediaType, Digest = digest, Size = manifest.Length }, withLayers);
    }

    /// <summary>
    /// The image's layers in gzip, into <paramref name="converted"/> (in order), each pushed once it
    /// is (after <paramref name="before"/> its diff id): the same layer twice is converted and pushed once.
    /// </summary>
    private async Task ConvertAndPushLayersAsync(
        LayerRecompressor recompressor, ImageRecord image, Descriptor[] converted, IRegistryClient client, string repository, string known,
        SemaphoreSlim uploads, Func<Digest, Task> before, CancellationToken cancellationToken)
    {
        var layers = image.Manifest.Layers;
        var distinct = Enumerable.Range(0, layers.Count).GroupBy(i => layers[i].Digest).ToList();
        var toConvert = distinct.Count;
        using var conversions = new SemaphoreSlim(ConversionsAtOnce);
        using var streams = new SemaphoreSlim(StreamsAtOnce);
        await AllOrNothingAsync(cancellationToken, token => distinct.Select(async same =>
        {
            var first = same.First();
            Descriptor layer;
            await before(image.Config.RootFs.DiffIds[first]);
            await conversions.WaitAsync(token);
            // A layer compressed here for the first time is new to every registry (but for a
            // reproducible build's twin): a small one is sent without asking.
            var fresh = MediaTypes.GetLayerCompression(layers[first].MediaType) != LayerCompression.Gzip
                && store.FindConvertedLayer(image.Config.RootFs.DiffIds[first], LayerCompression.Gzip) is null;
            // A big one is uploaded while it is compressed.
            var streamed = fresh && layers[first].Size > StreamAbove ? StreamedUpload.TryStart(client, repository, streams, token) : null;
            try
            {
                layer = await recompressor.ConvertLayerAsync(layers[first], image.Config.RootFs.DiffIds[first], LayerCompression.Gzip, token, streamed is null ? null : streamed.Observe);
            }
            catch (Exception e) when (streamed is not null)
            {
                await streamed.AbandonAsync(e);
                throw;
            }
            finally
            {
                conversions.Release();
            }

            foreach (var index in same)
            {
                converted[index] = layer;
            }

            if (Interlocked.Decrement(ref toConvert) == 0)
            {
                lines.Release();
            }

            if (streamed is not null && await streamed.FinishAsync(layer, token))
            {
                lines.Write($"{layer.Digest.Encoded[..12]}: pushed ({ByteSize.Decimal(layer.Size)}, while compressed)");
                return;
            }

            await PushBlobAsync(client, repository, layer, known, uploads, token, ask: !fresh || layer.Size > AskAbove);
        }));
    }

    /// <summary>
    /// Runs the tasks <paramref name="start"/> makes with a token the first failure cancels; when
    /// one fails, waits for the rest and throws that first failure (not the cancellations it caused).
    /// </summary>
    private static async Task AllOrNothingAsync(CancellationToken cancellationToken, Func<CancellationToken, IEnumerable<Task>> start)
    {
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Exception? first = null;
        var tasks = start(failFast.Token).Select(async task =>
        {
            try
            {
                await task;
            }
            catch (Exception e)
            {
                // The first real failure, in time: what the cancellation makes the others throw next is not the reason.
                if (e is not OperationCanceledException)
                {
                    Interlocked.CompareExchange(ref first, e, null);
                }

                await failFast.CancelAsync();
                throw;
            }
        }).ToList();
        try
        {
            await Task.WhenAll(tasks);
        }
        catch
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Volatile.Read(ref first) is { } failure)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
            }

            throw;
        }
    }

    private async Task PushEachBlobAsync(IRegistryClient client, string repository, IEnumerable<Descriptor> blobs, CancellationToken cancellationToken)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(blobs.DistinctBy(b => b.Digest).ToList(), options, (blob, token) => new ValueTask(PushBlobAsync(client, repository, blob, null, null, token)));
    }

    /// <summary>
    /// Makes the repository hold the blob. One this store pushed to (or pulled from)
    /// <paramref name="known"/> before is taken as there, without asking: if it is not, the
    /// manifest's push says so, and then every blob is checked. Without <paramref name="ask"/>, it
    /// is uploaded without a HEAD first.
    /// </summary>
    private async Task PushBlobAsync(
        IRegistryClient client, string repository, Descriptor blob, string? known, SemaphoreSlim? uploads, CancellationToken cancellationToken, bool ask = true)
    {
        if (known is not null && store.HasBlobSource(blob.Digest, known))
        {
            Interlocked.Increment(ref skipped);
            lines.Write($"{blob.Digest.Encoded[..12]}: layer already exists");
            return;
        }

        var mountFrom = store.BlobMountSource(blob.Digest, client.Registry, repository);
        ask |= mountFrom is not null;
        BlobPushResult result;
        if (uploads is not null)
        {
            await uploads.WaitAsync(cancellationToken);
        }

        try
        {
            using var phase = BuildTrace.Phase("upload").Arg("bytes", blob.Size);
            result = ask
                ? await client.PushBlobAsync(repository, blob, () => store.OpenBlob(blob.Digest), mountFrom, cancellationToken)
                : await client.UploadBlobAsync(repository, blob, () => store.OpenBlob(blob.Digest), cancellationToken);
            phase.Arg("result", result.ToString().ToLowerInvariant());
        }
        finally
        {
            uploads?.Release();
        }

        var name = blob.Digest.Encoded[..12];
        lines.Write(result switch
        {
            BlobPushResult.AlreadyExists => $"{name}: layer already exists",
            BlobPushResult.Mounted => $"{name}: mounted from {mountFrom}",
            _ => $"{name}: pushed ({ByteSize.Decimal(blob.Size)})",
        });
    }

    /// <summary>
    /// A fresh layer's upload while it is compressed (<see cref="IRegistryClient.UploadStreamAsync"/>:
    /// POST, a PATCH per chunk as it comes, the PUT with the digest at the end) through a pipe beside
    /// the store's blob: on the apt bench the 1.3 s upload of its 223 MB layer no longer follows the
    /// 4 s of compression. When the upload fails, the compression goes on into the store alone and
    /// the layer is then pushed as any other.
    /// </summary>
    private sealed class StreamedUpload
    {
        private readonly Pipe pipe = new(new PipeOptions(pauseWriterThreshold: 4 << 20, resumeWriterThreshold: 2 << 20, useSynchronizationContext: false));
        private readonly TaskCompletionSource<Descriptor> made = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource stop;
        private readonly SemaphoreSlim slot;
        private readonly Task<long> upload;

        private StreamedUpload(IRegistryClient client, string repository, SemaphoreSlim slot, CancellationToken cancellationToken)
        {
            this.slot = slot;
            stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            upload = Task.Run(async () =>
            {
                // Disposing the stream completes the pipe's reader: after a failure the compression's writes go to the blob alone.
                await using var content = pipe.Reader.AsStream();
                return await client.UploadStreamAsync(repository, content, () => made.Task, stop.Token);
            }, CancellationToken.None);
        }

        /// <summary>A streamed upload when one of <paramref name="slots"/> is free (memory: a chunk and the pipe each), else null.</summary>
        public static StreamedUpload? TryStart(IRegistryClient client, string repository, SemaphoreSlim slots, CancellationToken cancellationToken) =>
            slots.Wait(0) ? new StreamedUpload(client, repository, slots, cancellationToken) : null;

        /// <summary>The stream the compression writes to: the blob's, and the upload's.</summary>
        public Stream Observe(Stream blob) => new TeeStream(blob, pipe.Writer);

        /// <summary>After the compression: whether the registry has the layer from this upload (any failure but the push's cancellation falls back).</summary>
        public async Task<bool> FinishAsync(Descriptor layer, CancellationToken cancellationToken)
        {
            await pipe.Writer.CompleteAsync();
            made.TrySetResult(layer);
            try
            {
                return await upload == layer.Size;
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                return false;
            }
            finally
            {
                End();
            }
        }

        /// <summary>The compression failed: the upload ends with it, at once.</summary>
        public async Task AbandonAsync(Exception failure)
        {
            await pipe.Writer.CompleteAsync(failure);
            made.TrySetCanceled();
            await stop.CancelAsync();
            await upload.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            End();
        }

        private void End()
        {
            stop.Dispose();
            slot.Release();
        }
    }

    /// <summary>Lines held until <see cref="Release"/>, then written as they come; in the order they came, whatever the thread.</summary>
    private sealed class HeldLines(Action<string> log)
    {
        private readonly Lock gate = new();
        private List<string>? held = [];

        public void Write(string line)
        {
            lock (gate)
            {
                if (held is not null)
                {
                    held.Add(line);
                }
                else
                {
                    log(line);
                }
            }
        }

        public void Release()
        {
            lock (gate)
            {
                held?.ForEach(log);
                held = null;
            }
        }
    }
}
