using ImageBuilder.Core.Archives;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
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

    /// <summary>
    /// Writes the images <paramref name="targets"/> name to <paramref name="path"/>, or to
    /// <paramref name="output"/> when the path is null. A multi-platform image goes whole into an
    /// OCI archive, unless <paramref name="platform"/> picks one of its images (which a docker archive needs).
    /// </summary>
    /// <exception cref="StoreException">A multi-platform image in a docker archive without a platform (InvalidInput, naming its platforms).</exception>
    public async Task SaveAsync(
        string? root, IReadOnlyList<string> targets, ArchiveFormat format, string? path, Func<Stream> output, CancellationToken cancellationToken,
        Platform? platform = null)
    {
        var store = stores.Open(root);
        // Saving may write layer blobs (made from their snapshots): a prune waits until they are.
        using var protect = store.ProtectNewContent();
        var images = new List<(ImageRecord, ImageReference?)>();
        var indexes = new List<(IndexRecord, ImageReference?)>();
        foreach (var target in targets)
        {
            ImageReference? NameIn(IReadOnlyList<ImageReference> tags) =>
                ImageReference.TryParse(target, out var reference, out _) ? tags.FirstOrDefault(t => t.ToString() == reference.ToString()) : null;
            if (platform is null && store.FindIndex(target) is { } index)
            {
                if (format == ArchiveFormat.Docker)
                {
                    throw new StoreException(StoreError.InvalidInput,
                        $"{target} is a multi-platform image ({string.Join(", ", index.Platforms)}) and a docker archive holds one platform's image: " +
                        "choose one with --platform, or save them all with --format oci");
                }

                indexes.Add((index, NameIn(index.Tags)));
                continue;
            }

            var image = store.ResolveImage(target, platform);
            images.Add((image, NameIn(image.Tags)));
        }

        var saver = new ImageSaver(store);
        if (path is null)
        {
            await using var stream = output();
            await saver.WriteAsync(images, stream, format, cancellationToken, indexes);
        }
        else
        {
            await saver.SaveAsync(images, path, format, cancellationToken, indexes);
        }
    }

    /// <summary>Makes a one-layer image from a root file system tarball (<paramref name="source"/> names it in the history).</summary>
    public Task<ImageRecord> ImportAsync(
        string? root, Stream rootfs, string source, ImageReference? name, DateTimeOffset created, CancellationToken cancellationToken) =>
        Loader(root).ImportRootfsAsync(rootfs, source, name, created, cancellationToken);

    private ImageLoader Loader(string? root) => new(stores.Open(root), new LayerUnpacker(machine.TreeWriter));
}
