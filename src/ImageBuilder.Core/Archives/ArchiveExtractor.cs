using System.Formats.Tar;
using System.IO.Compression;

namespace ImageBuilder.Core.Archives;

/// <summary>
/// Unpacks an image archive (a tar, optionally gzip-compressed) into a scratch directory
/// so its files can be read by name. Only directories, regular files and symlinks that
/// stay inside the archive are taken (docker save links a repeated layer.tar to its first
/// copy); anything else, or a name that climbs out, is an error.
/// </summary>
public static class ArchiveExtractor
{
    public static async Task ExtractAsync(Stream archive, string destination, CancellationToken cancellationToken)
    {
        try
        {
            await ExtractCoreAsync(archive, destination, cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or ZstdSharp.ZstdException)
        {
            throw new ArchiveFormatException($"not a readable image archive (a tar, optionally compressed): {e.Message}");
        }
    }

    private static async Task ExtractCoreAsync(Stream archive, string destination, CancellationToken cancellationToken)
    {
        var (_, input) = await Layers.LayerStreamFormat.OpenAsync(archive, cancellationToken);
        var root = Path.GetFullPath(destination);
        var links = new List<(string Path, string Target)>();
        await using var reader = new TarReader(input);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
        {
            var path = Inside(root, entry.Name);
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Directory.CreateDirectory(path);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    await using (var file = File.Create(path))
                    {
                        if (entry.DataStream is { } data)
                        {
                            await data.CopyToAsync(file, cancellationToken);
                        }
                    }

                    break;
                case TarEntryType.SymbolicLink or TarEntryType.HardLink:
                    var target = entry.EntryType == TarEntryType.HardLink
                        ? Inside(root, entry.LinkName)
                        : Inside(root, Path.Combine(Path.GetDirectoryName(entry.Name.TrimEnd('/')) ?? "", entry.LinkName));
                    links.Add((path, target));
                    break;
                case TarEntryType.GlobalExtendedAttributes:
                    break;
                default:
                    throw new ArchiveFormatException($"unexpected {entry.EntryType} entry \"{entry.Name}\" in an image archive");
            }
        }

        // Links last, as copies: their targets are then all present.
        foreach (var (path, target) in links)
        {
            if (!File.Exists(target))
            {
                throw new ArchiveFormatException($"link \"{path[root.Length..]}\" points at a file the archive does not hold");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Copy(target, path, overwrite: true);
        }
    }

    private static string Inside(string root, string name)
    {
        var full = Path.GetFullPath(Path.Combine(root, name.TrimStart('/')));
        if (full != root && !full.StartsWith(root + "/", StringComparison.Ordinal))
        {
            throw new ArchiveFormatException($"entry \"{name}\" points outside the archive");
        }

        return full;
    }
}
