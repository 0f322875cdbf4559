using System.IO.Compression;
using System.Text;
using ICSharpCode.SharpZipLib.BZip2;
using ImageBuilder.Build.Context;
using ImageBuilder.Core.Layers;
using ImageBuilder.Linux.Native;

namespace ImageBuilder.Build.Copying;

/// <summary>
/// ADD's archive handling: a local source file that is a tar — plain, gzip, bzip2, xz or zstd,
/// told by its content (<see cref="CompressionMagic"/>) and never by its name — is extracted into
/// the destination directory, as BuildKit does; any other file (a .tar.gz that is not one
/// included) is copied as a file. The tar is read by the layer reader (<see cref="LayerTarReader"/>),
/// so entries keep their extended attributes (<c>security.capability</c>, <c>user.*</c>) as
/// BuildKit's untar keeps them; overlayfs' own are dropped. Everything is read synchronously on
/// the calling thread (it may own a private mount namespace). Entries are written through the
/// destination's in-root writer: names are cleaned, a ".." that climbs above the destination is
/// refused, and links resolve inside the root.
/// </summary>
internal static class ArchiveExtraction
{
    /// <summary>Extracts <paramref name="hostPath"/> into <paramref name="directory"/> when it is a tar; false otherwise.</summary>
    public static bool TryExtract(string hostPath, DestinationTree destination, string directory, CopyOptions options)
    {
        var compression = Detect(hostPath);
        if (!StartsWithTarHeader(hostPath, compression))
        {
            return false;
        }

        destination.MakeDirectories(directory, options.Uid, options.Gid);
        using var stream = OpenDecompressed(hostPath, compression);
        Extract(stream, destination, directory, options, Path.GetFileName(hostPath));
        return true;
    }

    private static bool StartsWithTarHeader(string hostPath, TarCompression compression)
    {
        using var probe = OpenDecompressed(hostPath, compression);
        var head = new byte[LayerTarReader.BlockLength];
        try
        {
            return probe.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && LayerTarReader.IsTarHeader(head);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            return false; // compressed data that does not decompress: an ordinary file
        }
    }

    private static void Extract(Stream stream, DestinationTree destination, string directory, CopyOptions options, string archiveName)
    {
        var directoryTimes = new List<(string Path, DateTimeOffset Time)>();
        try
        {
            ExtractEntries(LayerTarReader.OnCallingThread(stream), destination, directory, options, archiveName, directoryTimes);

            // Read to the end, so that the compression's own checks (gzip's CRC, xz's block checks) are verified.
            stream.CopyTo(Stream.Null);
        }
        catch (LayerFormatException error)
        {
            var where = error.EntryName is { } name ? $"entry {SourcePath.Quote(name)}: " : "";
            throw error.Reason == LayerFormatReason.Malformed
                ? new CopyException($"{archiveName}: broken archive: {where}{error.Detail}", error)
                : CopyException.Refused($"{archiveName}: {where}{error.Detail}", error);
        }
        catch (Exception error) when (error is InvalidDataException or EndOfStreamException or BZip2Exception or ZstdSharp.ZstdException
            or SharpCompress.Common.SharpCompressException or NotImplementedException)
        {
            throw new CopyException($"{archiveName}: broken archive: {error.Message}", error);
        }

        for (var i = directoryTimes.Count - 1; i >= 0; i--)
        {
            destination.Writer.SetDirectoryTime(destination.Root, directoryTimes[i].Path, directoryTimes[i].Time);
        }
    }

    private static void ExtractEntries(
        LayerTarReader reader, DestinationTree destination, string directory, CopyOptions options, string archiveName, List<(string Path, DateTimeOffset Time)> directoryTimes)
    {
        while (reader.ReadNext() is { } entry)
        {
            var member = $"{archiveName}: entry {SourcePath.Quote(entry.Name)}";
            var path = Place(directory, entry.Name, member);
            if (path == directory && entry.Type != TarHeaderType.Directory)
            {
                continue;
            }

            var written = new FileTreeEntry
            {
                Path = path,
                Kind = Kind(entry.Type),
                Mode = entry.Mode,
                Uid = options.Uid ?? entry.Uid,
                Gid = options.Gid ?? entry.Gid,
                ModificationTime = entry.ModificationTime,
                ExtendedAttributes = OverlayAttributes.Without(entry.ExtendedAttributes),
                DeviceMajor = entry.DevMajor,
                DeviceMinor = entry.DevMinor,
            };
            switch (entry.Type)
            {
                case TarHeaderType.Directory when path == directory:
                    continue; // the destination itself keeps what it is
                case TarHeaderType.Directory:
                    destination.Write(written, null, member);
                    directoryTimes.Add((path, entry.ModificationTime));
                    break;
                case TarHeaderType.RegularFile:
                    destination.Write(written with { Size = entry.Size }, reader.Content!, member);
                    break;
                case TarHeaderType.Symlink:
                    destination.Write(written with { LinkTarget = SymlinkTarget(entry.LinkName, member) }, null, member);
                    break;
                case TarHeaderType.Hardlink:
                    destination.Write(written with { LinkTarget = HardLinkTarget(destination, directory, entry.LinkName, member) }, null, member);
                    break;
                default:
                    destination.Write(written, null, member);
                    break;
            }
        }
    }

    private static FileTreeEntryKind Kind(TarHeaderType type) => type switch
    {
        TarHeaderType.Directory => FileTreeEntryKind.Directory,
        TarHeaderType.Symlink => FileTreeEntryKind.Symlink,
        TarHeaderType.Hardlink => FileTreeEntryKind.Hardlink,
        TarHeaderType.CharDevice => FileTreeEntryKind.CharDevice,
        TarHeaderType.BlockDevice => FileTreeEntryKind.BlockDevice,
        TarHeaderType.Fifo => FileTreeEntryKind.Fifo,
        _ => FileTreeEntryKind.RegularFile,
    };

    private static string SymlinkTarget(string linkName, string member)
    {
        var bytes = Encoding.UTF8.GetByteCount(linkName);
        return bytes > SourcePath.MaxPathBytes
            ? throw CopyException.Refused($"{member}: its symlink target is {bytes} bytes, longer than Linux allows ({SourcePath.MaxPathBytes})")
            : linkName;
    }

    /// <summary>Where a tar member's name (or a hard link's target) lands below the destination; refused when a ".." climbs
    /// above the destination or when Linux cannot hold the path (a NUL never gets here: the reader refuses it).</summary>
    private static string Place(string directory, string name, string what)
    {
        var clean = LayerPath.WithinRoot(name) ?? throw CopyException.Refused($"{what} climbs out of the destination");
        var path = SourcePath.Join(directory, clean);
        return SourcePath.LengthProblem(path) is { } problem ? throw CopyException.Refused($"{what}: {problem}") : path;
    }

    /// <summary>A hard link's target, which must be a non-directory that an earlier entry (or the destination) holds.</summary>
    private static string HardLinkTarget(DestinationTree destination, string directory, string linkName, string member)
    {
        var what = $"{member}: its hard link target {SourcePath.Quote(linkName)}";
        var target = Place(directory, linkName, what);
        return destination.NodeType(target) switch
        {
            FileNodeType.Missing => throw CopyException.Refused($"{what} is not an earlier entry of the archive (nor a file in the destination)"),
            FileNodeType.Directory => throw CopyException.Refused($"{what} is a directory"),
            _ => target,
        };
    }

    private static TarCompression Detect(string hostPath)
    {
        Span<byte> head = stackalloc byte[CompressionMagic.HeadLength];
        using var file = File.OpenRead(hostPath);
        return CompressionMagic.Detect(head[..file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)]);
    }

    private static Stream OpenDecompressed(string hostPath, TarCompression compression)
    {
        if (compression == TarCompression.Xz)
        {
            return XzTool.Open(hostPath);
        }

        Stream file = File.OpenRead(hostPath);
        return compression switch
        {
            TarCompression.Gzip => new GZipStream(file, CompressionMode.Decompress, leaveOpen: false),
            TarCompression.Bzip2 => new BZip2InputStream(file) { IsStreamOwner = true },
            TarCompression.Zstd => new ZstdSharp.DecompressionStream(file, leaveOpen: false),
            _ => file,
        };
    }
}
