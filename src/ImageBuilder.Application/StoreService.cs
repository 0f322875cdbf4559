using System.IO.Abstractions;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;

namespace ImageBuilder.Application;

/// <summary>
/// Opening the store, and looking after it: <c>images</c>, <c>inspect</c>, <c>tag</c>, <c>rmi</c>,
/// <c>prune</c> and <c>fsck</c>. Every method takes the store root as the user gave it (null: the default).
/// </summary>
public sealed class StoreService(IFileSystem fileSystem, IMachine machine)
{
    /// <summary>Opens (creates) the store; scratch left by killed processes goes unless <paramref name="removeStaleScratch"/> is false.</summary>
    /// <remarks>
    /// Rootless ibuild before it entered its user namespace reads only a store its namespace owns:
    /// making a store, refusing another's and removing killed builds' scratch (files of other
    /// owners) happen inside the namespace.
    /// </remarks>
    public ContentStore Open(string? root, bool removeStaleScratch = true)
    {
        var mode = machine.Mode;
        var path = ContentStore.DefaultRoot(root, mode.Rootless);
        if (mode.Pending && ContentStore.RecordedOwner(fileSystem, path) != mode.StoreOwner)
        {
            mode.RequireUserNamespace("opening a store this user namespace does not own yet");
        }

        // Lazy layer blobs are packed from snapshots with the machine's reader; directories are
        // fsynced, and each step's tree placed on its own (ScratchPlacement: a cold build right
        // after a big store was deleted took 3-6 times as long without it), only on a disk (a
        // mock file system has none).
        var onDisk = fileSystem is FileSystem;
        var store = ContentStore.Open(fileSystem, path, machine.TreeReader, onDisk ? machine.SyncDirectory : null, onDisk ? machine.SpreadTrees : null);
        store.ClaimOwner(mode.StoreOwner);
        if (removeStaleScratch)
        {
            if (mode.Pending && store.HasTemporaries)
            {
                mode.RequireUserNamespace("removing scratch");
            }

            store.RemoveStaleTemporaries();
        }

        return store;
    }

    public IReadOnlyList<ImageRecord> ListImages(string? root) => Open(root).ListImages();

    /// <summary>The store's multi-platform images (<c>images</c> shows a row for each).</summary>
    public IReadOnlyList<IndexRecord> ListIndexes(string? root) => Open(root).ListIndexes();

    /// <summary>
    /// The image <paramref name="target"/> names, with its manifest's and config's bytes as stored
    /// (of a multi-platform image, <paramref name="platform"/>'s image, default this machine's).
    /// </summary>
    public ImageDetails Inspect(string? root, string target, Platform? platform = null)
    {
        var store = Open(root);
        var image = store.ResolveImage(target, platform);
        return new ImageDetails(image, store.ReadBlob(image.ManifestDescriptor.Digest), store.ReadBlob(image.Id));
    }

    /// <summary>The multi-platform image <paramref name="target"/> names, with its index's bytes as stored; null when it names a single image.</summary>
    public (IndexRecord Index, byte[] Bytes)? InspectIndex(string? root, string target)
    {
        var store = Open(root);
        return store.FindIndex(target) is { } index ? (index, store.ReadBlob(index.Id)) : null;
    }

    /// <summary>Gives the image <paramref name="source"/> (a name or id; a multi-platform image as a whole) the name <paramref name="target"/>.</summary>
    public void Tag(string? root, string source, ImageReference target)
    {
        var store = Open(root);
        // Held as any writer holds it: the temporary file of index.json is in scratch, which a clean-up clears only while no writer does.
        using var writing = store.ProtectNewContent();
        store.Tag(store.FindIndex(source)?.IndexDescriptor ?? store.ResolveImage(source).ManifestDescriptor, target);
    }

    /// <summary>
    /// Removes each target in order: a name it is (untagged), else the whole image (refused when it
    /// has several names and not <paramref name="force"/>). A failure is reported and the rest go on, as docker does.
    /// Lazy: each target is removed when the caller asks for its result, so what was removed is
    /// reported even when a later target fails with something other than a store error.
    /// </summary>
    public IEnumerable<Removal> Remove(string? root, IReadOnlyList<string> targets, bool force)
    {
        var store = Open(root);
        using var writing = store.ProtectNewContent();
        foreach (var target in targets)
        {
            Removal removal;
            try
            {
                removal = Remove(store, target, force);
            }
            catch (StoreException e)
            {
                removal = new Removal([], null, e);
            }

            yield return removal;
        }
    }

    public PruneReport Prune(string? root) => Open(root).Prune();

    /// <summary>Checks the store (and with <paramref name="repair"/> removes what is broken); leftover scratch is reported, not silently removed first.</summary>
    public Task<StoreCheckReport> CheckAsync(string? root, bool repair, CancellationToken cancellationToken) =>
        new StoreChecker(Open(root, removeStaleScratch: false), machine.TreeReader, machine.TreeWriter).CheckAsync(repair, cancellationToken);

    private static Removal Remove(ContentStore store, string target, bool force)
    {
        if (store.FindIndex(target) is { } index)
        {
            // A multi-platform image: its name, or (by id) the whole index.
            return Remove(store, target, index.Tags, index.Id, force, () => store.RemoveIndexEntries((digest, _) => digest == index.Id));
        }

        var image = store.ResolveImage(target);
        return Remove(store, target, image.Tags, image.Id, force, () => store.RemoveImage(image));
    }

    /// <summary>The name <paramref name="target"/> is, else the whole image (refused with several names unless forced).</summary>
    private static Removal Remove(ContentStore store, string target, IReadOnlyList<ImageReference> tags, Digest id, bool force, Action removeWhole)
    {
        var tag = ImageReference.TryParse(target, out var reference, out _) ? tags.FirstOrDefault(t => t.ToString() == reference.ToString()) : null;
        if (tag is not null)
        {
            store.Untag(tag);
            return new Removal([tag], null, null);
        }

        if (tags.Count > 1 && !force)
        {
            throw new StoreException(StoreError.Ambiguous,
                $"image {id.Encoded[..12]} has {tags.Count} names; remove them by name, or use -f to remove the image");
        }

        removeWhole();
        return new Removal(tags, id, null);
    }
}

/// <summary>An image with its manifest and config exactly as the store holds them.</summary>
public sealed record ImageDetails(ImageRecord Image, byte[] Manifest, byte[] Config);

/// <summary>What one <c>rmi</c> target did: the names removed, the image deleted (null: only a name went), or why it failed.</summary>
public sealed record Removal(IReadOnlyList<ImageReference> Untagged, Core.Oci.Digest? Deleted, StoreException? Failure);
