using ImageBuilder.Build.Engine;
using ImageBuilder.Cli.Progress;
using ImageBuilder.Core.Archives;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;
using ImageBuilder.Linux.Layers;
using ImageBuilder.Linux.Mounts;

namespace ImageBuilder.Cli.Commands;

internal sealed partial class BuildCommand
{
    private static async Task ExportAsync(
        ContentStore store, BuiltImage built, IReadOnlyList<ImageReference> names, BuildOutput output, IBuildProgress progress,
        CancellationToken cancellationToken)
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

        progress.Note($"exporting to {output.Type}", [$"wrote {output.Destination}"]);
    }

    /// <summary>The image's merged file system as one tar (no whiteouts), or unpacked into a directory.</summary>
    private static async Task ExportFileSystemAsync(ContentStore store, BuiltImage built, BuildOutput output, CancellationToken cancellationToken)
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

            using var root = await MountedRoot.MountAsync(lowers, Path.Combine(scratch, "root"));
            var packer = new LayerPacker(new FileTreeReader());
            var options = new LayerPackOptions(LayerCompression.None);
            if (output.Type == "tar")
            {
                await using var file = output.Destination == "-" ? Console.OpenStandardOutput() : File.Create(output.Destination);
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
            await new LayerUnpacker(new FileTreeWriter()).UnpackAsync(input, output.Destination, cancellationToken);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
