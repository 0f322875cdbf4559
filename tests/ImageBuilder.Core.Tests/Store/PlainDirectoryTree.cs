using ImageBuilder.Core.Layers;

namespace ImageBuilder.Core.Tests.Store;

/// <summary>
/// Reads and writes plain directories and files (nothing else: no owners, links or devices),
/// so store code that packs and unpacks snapshots can be tested without root and without the
/// Linux tree reader.
/// </summary>
internal sealed class PlainDirectoryTree : IFileTreeReader, IFileTreeWriter
{
    public IEnumerable<FileTreeEntry> Enumerate(string root) => Walk(root, "");

    public Stream OpenRead(string root, FileTreeEntry entry) => File.OpenRead(Path.Combine(root, entry.Path));

    public void Write(string root, FileTreeEntry entry, Stream? content)
    {
        var path = Path.Combine(root, entry.Path);
        switch (entry.Kind)
        {
            case FileTreeEntryKind.Directory:
                Directory.CreateDirectory(path);
                break;
            case FileTreeEntryKind.RegularFile:
                using (var file = File.Create(path))
                {
                    content!.CopyTo(file);
                }

                File.SetLastWriteTimeUtc(path, entry.ModificationTime.UtcDateTime);
                break;
            default:
                throw new NotSupportedException($"{entry.Kind} is not a plain file or directory");
        }
    }

    public void MarkOpaque(string root, string path)
    {
    }

    public void SetDirectoryTime(string root, string path, DateTimeOffset time) =>
        Directory.SetLastWriteTimeUtc(Path.Combine(root, path), time.UtcDateTime);

    public void Flush(string root)
    {
    }

    private static IEnumerable<FileTreeEntry> Walk(string root, string relative)
    {
        var here = Path.Combine(root, relative);
        foreach (var path in Directory.EnumerateFileSystemEntries(here).Order(StringComparer.Ordinal))
        {
            var name = relative.Length == 0 ? Path.GetFileName(path) : $"{relative}/{Path.GetFileName(path)}";
            if (Directory.Exists(path))
            {
                yield return new FileTreeEntry { Path = name, Kind = FileTreeEntryKind.Directory, Mode = 0x1ed, ModificationTime = Directory.GetLastWriteTimeUtc(path) };
                foreach (var entry in Walk(root, name))
                {
                    yield return entry;
                }
            }
            else
            {
                yield return new FileTreeEntry
                {
                    Path = name,
                    Kind = FileTreeEntryKind.RegularFile,
                    Mode = 0x1a4,
                    Size = new FileInfo(path).Length,
                    ModificationTime = File.GetLastWriteTimeUtc(path),
                };
            }
        }
    }
}
