using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using ImageBuilder.Build.Context;
using ImageBuilder.Core.Layers;
using ICSharpCode.SharpZipLib.BZip2;
using ImageBuilder.Core.Compression;
using ImageBuilder.Linux.Native;

namespace ImageBuilder.Build.Copying;

/// <summary>
/// ADD's archive handling: a local source file that is a tar — plain, gzip, bzip2 or zstd, told
/// by its content and never by its name — is extracted into the destination directory, as
/// BuildKit does; any other file (a .tar.gz that is not one included) is copied as a file.
/// Everything is read synchronously on the calling thread (it may own a private mount namespace).
/// Entries are written through the destination's in-root writer: names are cleaned, a ".." that
/// climbs above the destination is refused, and links resolve inside the root.
/// </summary>
internal static class ArchiveExtraction
{
    private const int TarBlock = 512;

    private enum Compression
    {
        None,
        Gzip,
        Bzip2,
        Xz,
        Zstd,
    }

    /// <summary>Extracts <paramref name="hostPath"/> into <paramref name="directory"/> when it is a tar; false otherwise.</summary>
    public static bool TryExtract(string hostPath, DestinationTree destination, string directory, CopyOptions options)
    {
        var compression = Detect(hostPath);
        using (var probe = OpenDecompressed(hostPath, compression))
        {
            var head = new byte[TarBlock];
            try
            {
                if (probe.ReadAtLeast(head, TarBlock, throwOnEndOfStream: false) < TarBlock || !IsTarHeader(head))
                {
                    return false;
                }
            }
            catch (Exception error) when (error is InvalidDataException or IOException or BZip2Exception or ZstdSharp.ZstdException)
            {
                return false; // compressed data that does not decompress: an ordinary file
            }
        }

        destination.MakeDirectories(directory, options.Uid, options.Gid);
        using var stream = OpenDecompressed(hostPath, compression);
        Extract(stream, destination, directory, options, Path.GetFileName(hostPath));
        return true;
    }

    private static void Extract(Stream stream, DestinationTree destination, string directory, CopyOptions options, string archiveName)
    {
        var directoryTimes = new List<(string Path, DateTimeOffset Time)>();
        try
        {
            using var reader = new TarReader(stream);
            while (reader.GetNextEntry() is { } entry)
            {
                var member = $"{archiveName}: entry {SourcePath.Quote(entry.Name)}";
                var path = Place(directory, entry.Name, member);
                if (path == directory && entry.EntryType != TarEntryType.Directory)
                {
                    continue;
                }

                var written = new FileTreeEntry
                {
                    Path = path,
                    Kind = FileTreeEntryKind.RegularFile,
                    Mode = (int)entry.Mode & 0xFFF,
                    Uid = options.Uid ?? entry.Uid,
                    Gid = options.Gid ?? entry.Gid,
                    ModificationTime = entry.ModificationTime,
                };
                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        if (path == directory)
                        {
                            continue; // the destination itself keeps what it is
                        }

                        destination.Write(written with { Kind = FileTreeEntryKind.Directory }, null, member);
                        directoryTimes.Add((path, entry.ModificationTime));
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        destination.Write(written with { Size = entry.Length }, entry.DataStream ?? Stream.Null, member);
                        break;
                    case TarEntryType.SymbolicLink:
                        if (Encoding.UTF8.GetByteCount(entry.LinkName) > SourcePath.MaxPathBytes)
                        {
                            throw CopyException.Refused($"{member}: its symlink target is {Encoding.UTF8.GetByteCount(entry.LinkName)} bytes, longer than Linux allows ({SourcePath.MaxPathBytes})");
                        }

                        destination.Write(written with { Kind = FileTreeEntryKind.Symlink, LinkTarget = entry.LinkName }, null, member);
                        break;
                    case TarEntryType.HardLink:
                        var target = HardLinkTarget(destination, directory, entry.LinkName, member);
                        destination.Write(written with { Kind = FileTreeEntryKind.Hardlink, LinkTarget = target }, null, member);
                        break;
                    case TarEntryType.CharacterDevice or TarEntryType.BlockDevice or TarEntryType.Fifo:
                        destination.Write(written with
                        {
                            Kind = entry.EntryType switch
                            {
                                TarEntryType.CharacterDevice => FileTreeEntryKind.CharDevice,
                                TarEntryType.BlockDevice => FileTreeEntryKind.BlockDevice,
                                _ => FileTreeEntryKind.Fifo,
                            },
                            DeviceMajor = entry is PosixTarEntry posix ? posix.DeviceMajor : 0,
                            DeviceMinor = entry is PosixTarEntry posix2 ? posix2.DeviceMinor : 0,
                        }, null, member);
                        break;
                    default:
                        break; // metadata-only records (global PAX headers and the like)
                }
            }
        }
        catch (Exception error) when (error is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new CopyException($"{archiveName}: broken archive: {error.Message}", error);
        }

        for (var i = directoryTimes.Count - 1; i >= 0; i--)
        {
            destination.Writer.SetDirectoryTime(destination.Root, directoryTimes[i].Path, directoryTimes[i].Time);
        }
    }

    /// <summary>Where a tar member's name (or a hard link's target) lands below the destination; refused when a ".." climbs
    /// above the destination or when Linux cannot hold the path.</summary>
    private static string Place(string directory, string name, string what)
    {
        var path = SourcePath.Join(directory, CleanName(name, what));
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

    /// <summary>A tar member's name relative to the destination; a ".." above it is refused.</summary>
    private static string CleanName(string name, string what)
    {
        var parts = new List<string>();
        foreach (var part in name.Split('/'))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    throw CopyException.Refused($"{what} climbs out of the destination");
                }

                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }

    private static Compression Detect(string hostPath)
    {
        Span<byte> head = stackalloc byte[6];
        using var file = File.OpenRead(hostPath);
        var count = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..count];
        return head.StartsWith((ReadOnlySpan<byte>)[0x1f, 0x8b]) ? Compression.Gzip
            : head.StartsWith("BZh"u8) ? Compression.Bzip2
            : XzDecoderStream.IsXz(head) ? Compression.Xz
            : head.StartsWith((ReadOnlySpan<byte>)[0x28, 0xb5, 0x2f, 0xfd]) ? Compression.Zstd
            : Compression.None;
    }

    private static Stream OpenDecompressed(string hostPath, Compression compression)
    {
        Stream file = File.OpenRead(hostPath);
        return compression switch
        {
            Compression.Gzip => new GZipStream(file, CompressionMode.Decompress, leaveOpen: false),
            Compression.Bzip2 => new BZip2InputStream(file) { IsStreamOwner = true },
            Compression.Zstd => new ZstdSharp.DecompressionStream(file, leaveOpen: false),
            Compression.Xz => new XzDecoderStream(file),
            _ => file,
        };
    }

    /// <summary>A tar header block: "ustar" magic, or (old v7 tars) a valid header checksum.</summary>
    private static bool IsTarHeader(ReadOnlySpan<byte> block)
    {
        if (block[257..262].SequenceEqual("ustar"u8))
        {
            return true;
        }

        long recorded = 0;
        var field = block[148..156];
        var digits = 0;
        foreach (var b in field)
        {
            if (b is >= (byte)'0' and <= (byte)'7')
            {
                recorded = (recorded * 8) + (b - '0');
                digits++;
            }
            else if (digits > 0 || b is not (byte)' ')
            {
                break;
            }
        }

        long sum = 0;
        for (var i = 0; i < TarBlock; i++)
        {
            sum += i is >= 148 and < 156 ? ' ' : block[i];
        }

        return digits > 0 && sum == recorded && block[0] != 0;
    }
}
