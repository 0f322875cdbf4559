namespace ImageBuilder.Core.Layers.Report;

/// <summary>What one layer tar entry does to the image's file tree, as the layer report sees it.</summary>
public enum LayerEntryKind
{
    File,
    Directory,
    Symlink,
    Hardlink,

    /// <summary>A device or a fifo: no content.</summary>
    Special,

    /// <summary><c>.wh.NAME</c>: <see cref="LayerEntry.Path"/> (and all below it) deleted.</summary>
    Whiteout,

    /// <summary><c>DIR/.wh..wh..opq</c>: what lower layers hold under <see cref="LayerEntry.Path"/> hidden.</summary>
    Opaque,
}

/// <summary>
/// One entry of a layer: its cleaned path (no leading "/", "" for the root; of a whiteout, the
/// path it deletes; of an opaque marker, its directory), its kind, its size in the tar header
/// (regular files only) and, for links, the target (a hard link's cleaned).
/// </summary>
public sealed record LayerEntry(string Path, LayerEntryKind Kind, long Size, string? LinkTarget = null)
{
    /// <summary>
    /// The bytes the entry holds as docker counts a layer's size: a file's content, a symlink's
    /// target length (its lstat size); nothing for directories, hard links (counted once, on the
    /// file they share), devices and whiteouts.
    /// </summary>
    public long ContentSize => Kind switch
    {
        LayerEntryKind.File => Size,
        LayerEntryKind.Symlink => System.Text.Encoding.UTF8.GetByteCount(LinkTarget ?? ""),
        _ => 0,
    };
}

/// <summary>The entries of one layer tar, in archive order, and how many bytes the uncompressed tar has.</summary>
public sealed record LayerListing(IReadOnlyList<LayerEntry> Entries, long TarSize)
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueMarker = ".wh..wh..opq";

    /// <summary>Lists the uncompressed layer tar <paramref name="tar"/> to its end; file contents are skipped, never buffered.</summary>
    /// <exception cref="LayerFormatException">the tar is malformed or a name climbs above the root.</exception>
    public static async Task<LayerListing> ReadAsync(Stream tar, CancellationToken cancellationToken)
    {
        var counted = new CountingStream(tar);
        var reader = new LayerTarReader(counted);
        var entries = new List<LayerEntry>();
        while (await reader.ReadNextAsync(cancellationToken).ConfigureAwait(false) is { } header)
        {
            entries.Add(Entry(header));
        }

        // The end-of-archive blocks and any padding after them belong to the tar too.
        await counted.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
        return new LayerListing(entries, counted.Count);
    }

    /// <summary>The report's view of one tar header.</summary>
    public static LayerEntry Entry(TarEntryHeader header)
    {
        var path = LayerPath.Clean(header.Name, header.Name, "name");
        var (directory, name) = LayerPath.Split(path);
        if (name == OpaqueMarker)
        {
            return new LayerEntry(directory, LayerEntryKind.Opaque, 0);
        }

        if (name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
        {
            return new LayerEntry(LayerPath.Join(directory, name[WhiteoutPrefix.Length..]), LayerEntryKind.Whiteout, 0);
        }

        return header.Type switch
        {
            TarHeaderType.RegularFile => new LayerEntry(path, LayerEntryKind.File, header.Size),
            TarHeaderType.Directory => new LayerEntry(path, LayerEntryKind.Directory, 0),
            TarHeaderType.Symlink => new LayerEntry(path, LayerEntryKind.Symlink, 0, header.LinkName),
            TarHeaderType.Hardlink => new LayerEntry(path, LayerEntryKind.Hardlink, 0, LayerPath.Clean(header.LinkName, header.Name, "hardlink target")),
            _ => new LayerEntry(path, LayerEntryKind.Special, 0),
        };
    }

    /// <summary>Counts the bytes read through it.</summary>
    private sealed class CountingStream(Stream inner) : ForwardReadStream
    {
        public long Count { get; private set; }

        public override int Read(Span<byte> buffer)
        {
            var read = inner.Read(buffer);
            Count += read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            Count += read;
            return read;
        }
    }
}
