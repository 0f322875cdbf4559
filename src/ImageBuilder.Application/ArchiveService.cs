using ImageBuilder.Core.Archives;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;

namespace ImageBuilder.Application;

/// <summary><c>load</c>, <c>save</c> and <c>import</c>: images in and out of the store as archives; layers unpacked by the machine's tree writer.</summary>
public sealed class ArchiveService(StoreService stores, IMachine machine)
{
    /// <summary>Loads a docker or OCI archive, or an OCI layout directory, at <paramref name="path"/>.</summary>
    public Task<IReadOnlyList<ImageRecord>> LoadAsync(string? root, string path, CancellationToken cancellationToken) =>
        Loader(root).LoadAsync(path, cancellationToken);

    /// <summary>Loads a docker or OCI archive streamed in (standard input).</summary>
    public Task<IReadOnlyList<ImageRecord>> LoadAsync(string? root, Stream archive, CancellationToken cancellationToken) =>
        Loader(root).LoadAsync(archive, cancellationToken);

    /// <summary>Writes the images <paramref name="targets"/> name to <paramref name="path"/>, or to <paramref name="output"/> when the path is null.</summary>
    public async Task SaveAsync(
        string? root, IReadOnlyList<string> targets, ArchiveFormat format, string? path, Func<Stream> output, CancellationToken cancellationToken)
    {
        var store = stores.Open(root);
        // Saving may write layer blobs (made from their snapshots): a prune waits until they are.
        using var protect = store.ProtectNewContent();
        var images = targets.Select(target =>
        {
            var image = store.ResolveImage(target);
            var name = ImageReference.TryParse(target, out var reference, out _)
                ? image.Tags.FirstOrDefault(t => t.ToString() == reference.ToString())
                : null;
            return (image, name);
        }).ToList();
        var saver = new ImageSaver(store);
        if (path is null)
        {
            await using var stream = output();
            await saver.WriteAsync(images, stream, format, cancellationToken);
        }
        else
        {
            await saver.SaveAsync(images, path, format, cancellationToken);
        }
    }

    /// <summary>Makes a one-layer image from a root file system tarball (<paramref name="source"/> names it in the history).</summary>
    public Task<ImageRecord> ImportAsync(
        string? root, Stream rootfs, string source, ImageReference? name, DateTimeOffset created, CancellationToken cancellationToken) =>
        Loader(root).ImportRootfsAsync(rootfs, source, name, created, cancellationToken);

    private ImageLoader Loader(string? root) => new(stores.Open(root), new LayerUnpacker(machine.TreeWriter));
}
