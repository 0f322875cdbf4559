using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Archives;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;
using ImageBuilder.Linux.Mounts;

namespace ImageBuilder.Application;

/// <summary>
/// <c>--output type=oci|docker|tar|local,dest=…[,compression=gzip|zstd|uncompressed]</c> (and
/// <c>type=registry,name=REF</c>, pushed by the build): besides storing the image, an OCI or docker
/// archive of it, a tar of its file system, or its file system in a directory. <paramref name="Destination"/>
/// is the file or directory (<c>-</c>: standard output, for tar), or the reference pushed to.
/// </summary>
public sealed record BuildOutput(string Type, string Destination, LayerCompression Compression);

/// <summary>A build's exports to files: archives of the image, or its merged file system as a tar or a directory.</summary>
public sealed class ExportService(IMachine machine, Func<Stream> standardOutput)
{
    public async Task ExportAsync(
        ContentStore store, BuiltImage built, IReadOnlyList<ImageReference> names, BuildOutput output, CancellationToken cancellationToken)
    {
        switch (output.Type)
        {
            case "oci" or "docker":
                var stored = new ImageRecord(built.Manifest, built.ImageManifest, built.Config, names);
                var image = await new LayerRecompressor(store).ConvertAsync(stored, output.Compression, cancellationToken);
                var format = output.Type == "oci" ? ArchiveFormat.Oci : ArchiveFormat.Docker;
                await new ImageSaver(store).SaveAsync([(image, names.FirstOrDefault())], output.Destination, format, cancellationToken);
                break;
            case "tar" or "local":
                await ExportFileSystemAsync(store, built, output, cancellationToken);
                break;
        }
    }

    /// <summary>
    /// A multi-platform build's export: an OCI archive holding the index and every platform's
    /// image; a docker archive, a tar or a directory hold one file system, so they are refused,
    /// naming the platforms.
    /// </summary>
    /// <remarks>With <paramref name="attest"/>, each image as exported gets an attestation manifest (see <see cref="ContentStore.WriteAttestationManifest"/>) listed after the images.</remarks>
    /// <exception cref="IOException">Not <c>type=oci</c> (printed as one line, exit 1, as an export's failure).</exception>
    public async Task ExportIndexAsync(
        ContentStore store, IReadOnlyList<(ImageRecord Image, Platform Platform)> images, IReadOnlyList<ImageReference> names, BuildOutput output,
        CancellationToken cancellationToken, Func<ImageRecord, Platform, Descriptor>? attest = null)
    {
        if (output.Type != "oci")
        {
            throw new IOException(
                $"--output type={output.Type} holds one platform's image, and this build made {images.Count} ({string.Join(", ", images.Select(i => i.Platform))}): " +
                "export them with type=oci (an OCI archive with the index), or build one --platform for this output");
        }

        var recompressor = new LayerRecompressor(store);
        var converted = new List<(ImageRecord, Platform)>();
        foreach (var (image, platform) in images)
        {
            converted.Add((await recompressor.ConvertAsync(image, output.Compression, cancellationToken), platform));
        }

        var attestations = attest is null ? [] : converted.Select(c => attest(c.Item1, c.Item2)).ToList();
        var index = store.WriteImageIndex(converted, attestations);
        var record = store.LoadIndex(index, names);
        await new ImageSaver(store).SaveAsync([], output.Destination, ArchiveFormat.Oci, cancellationToken, [(record, names.FirstOrDefault())]);
    }

    /// <summary>The image's merged file system as one tar (no whiteouts), or unpacked into a directory.</summary>
    private async Task ExportFileSystemAsync(ContentStore store, BuiltImage built, BuildOutput output, CancellationToken cancellationToken)
    {
        var scratch = store.CreateScratchDirectory();
        try
        {
            var lowers = ChainId.All(built.Config.RootFs.DiffIds).Reverse().Select(store.SnapshotPath).ToList();
            if (lowers.Count > OverlayLimits.MaxLowerLayers)
            {
                // Printed as one line, exit 1, like any other I/O failure of an export.
                throw new IOException(
                    $"{BuildErrors.TooManyLayers.Id()}: --output type={output.Type}: the image has {lowers.Count} layers, but overlayfs " +
                    $"stacks at most {OverlayLimits.MaxLowerLayers} (OVL_MAX_STACK), so its file system cannot be mounted; type=oci or type=docker can export it");
            }

            using var root = await machine.MountRootAsync(lowers, Path.Combine(scratch, "root"));
            var packer = new LayerPacker(machine.TreeReader);
            var options = new LayerPackOptions(LayerCompression.None);
            if (output.Type == "tar")
            {
                await using var file = output.Destination == "-" ? standardOutput() : File.Create(output.Destination);
                await packer.PackAsync(root.Path, file, options, cancellationToken);
                return;
            }

            // local: the tar goes to scratch first, then is unpacked into the directory.
            var tar = Path.Combine(scratch, "rootfs.tar");
            await using (var file = File.Create(tar))
            {
                await packer.PackAsync(root.Path, file, options, cancellationToken);
            }

            Directory.CreateDirectory(output.Destination);
            await using var input = File.OpenRead(tar);
            var writer = machine.Mode.Rootless ? new CallerOwnedWriter(machine.TreeWriter) : machine.TreeWriter;
            await new LayerUnpacker(writer).UnpackAsync(input, output.Destination, cancellationToken);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>
    /// Rootless, <c>type=local</c> writes every file as the user's own (root in its namespace), as
    /// rootless BuildKit does: owners from the image would be subordinate ids on the host, files
    /// the user could then neither change nor remove.
    /// </summary>
    private sealed class CallerOwnedWriter(IFileTreeWriter inner) : IFileTreeWriter
    {
        public void Write(string root, FileTreeEntry entry, Stream? content) => inner.Write(root, entry with { Uid = 0, Gid = 0 }, content);

        public void MarkOpaque(string root, string path) => inner.MarkOpaque(root, path);

        public void SetDirectoryTime(string root, string path, DateTimeOffset time) => inner.SetDirectoryTime(root, path, time);

        public void Flush(string root) => inner.Flush(root);
    }
}
