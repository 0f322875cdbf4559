using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Store;

public sealed partial class ContentStore
{
    /// <summary>
    /// Drops untagged images, then every blob and snapshot that no tagged image reaches (and
    /// the build cache and lazy blob records of layers that went with them), and scratch left by dead processes. Runs under the store lock.
    /// </summary>
    public PruneReport Prune()
    {
        // Wait for running imports and builds (they hold gc.lock shared) before judging what is unused.
        using var noWriters = ExcludeWriters();
        using var held = Lock();
        var index = ReadIndex();
        var tagged = index.Manifests.Where(d => TagOf(d) is not null && HasBlob(d.Digest)).ToList();
        var untagged = index.Manifests.Select(d => d.Digest).Distinct().Count()
            - tagged.Select(d => d.Digest).Distinct().Count();
        if (tagged.Count != index.Manifests.Count)
        {
            WriteIndex(index with { Manifests = tagged });
        }

        var blobs = new HashSet<Digest>();
        var snapshots = new HashSet<Digest>();
        var pending = new Stack<Descriptor>(tagged);
        while (pending.TryPop(out var descriptor))
        {
            if (!blobs.Add(descriptor.Digest) || !HasBlob(descriptor.Digest))
            {
                continue;
            }

            if (MediaTypes.IsIndex(descriptor.MediaType))
            {
                foreach (var child in OciJson.Deserialize<ImageIndex>(ReadBlob(descriptor.Digest)).Manifests)
                {
                    pending.Push(child);
                }
            }
            else if (MediaTypes.IsManifest(descriptor.MediaType))
            {
                var manifest = OciJson.Deserialize<ImageManifest>(ReadBlob(descriptor.Digest));
                blobs.Add(manifest.Config.Digest);
                blobs.UnionWith(manifest.Layers.Select(l => l.Digest));
                if (HasBlob(manifest.Config.Digest))
                {
                    var config = OciJson.Deserialize<ImageConfig>(ReadBlob(manifest.Config.Digest));
                    snapshots.UnionWith(ChainId.All(config.RootFs.DiffIds));
                }
            }
        }

        // A lazy layer blob of a kept image keeps the snapshot it is made from (usually one of the
        // image's own; another chain's when another build made the layer first); the others go.
        foreach (var (file, blob, record) in ListLazyBlobRecords())
        {
            // A record whose blob is written (a crash after the write, before the record went) keeps nothing.
            if (blob is { } digest && blobs.Contains(digest) && record is not null && !HasBlobFile(digest))
            {
                snapshots.Add(record.Snapshot);
            }
            else
            {
                FileSystem.File.Delete(file);
            }
        }

        var removedBlobs = 0;
        long freed = 0;
        foreach (var blob in ListBlobs().Where(b => !blobs.Contains(b)).ToList())
        {
            freed += BlobSize(blob);
            DeleteBlob(blob);
            removedBlobs++;
        }

        var removedSnapshots = 0;
        foreach (var snapshot in ListSnapshots().Where(s => !snapshots.Contains(s)).ToList())
        {
            DeleteSnapshot(snapshot);
            removedSnapshots++;
        }

        RemoveDanglingCacheRecords();
        RemoveDanglingDiffIdRecords();
        RemoveDanglingCopyRecords();
        RemoveDanglingStepInputs();
        return new PruneReport(removedBlobs, freed, removedSnapshots, RemoveScratch(), untagged);
    }
}
