using System.Buffers;

namespace ImageBuilder.Core.Layers;

/// <summary>
/// Writes file tree entries as layer tar entries into a <see cref="TarChunkSink"/>: directories
/// as <c>path/</c>, whiteouts as empty regular files <c>dir/.wh.name</c>, an opaque directory
/// followed at once by <c>dir/.wh..wh..opq</c>, hardlinks as link entries, numeric owners
/// only, times in whole seconds clamped to SOURCE_DATE_EPOCH.
/// </summary>
internal sealed class TarArchiveWriter(TarChunkSink sink, DateTimeOffset? sourceDateEpoch)
{
    public const string WhiteoutPrefix = ".wh.";
    public const string OpaqueMarker = ".wh..wh..opq";

    // Mode of whiteout files, as moby's overlay differ writes them.
    private const int WhiteoutMode = 0b110_000_000; // 0600

    private readonly ArrayBufferWriter<byte> headerBuffer = new(4 * TarHeaderEncoder.BlockSize);

    /// <summary>Writes one entry; <paramref name="openContent"/> opens a regular file's data.</summary>
    public async ValueTask WriteEntryAsync(FileTreeEntry entry, Func<Stream> openContent, CancellationToken cancellationToken)
    {
        var time = Seconds(entry.ModificationTime);
        var header = new TarHeader
        {
            Name = entry.Path,
            TypeFlag = TarTypeFlag.Regular,
            Mode = entry.Mode & 0xFFF,
            Uid = entry.Uid,
            Gid = entry.Gid,
            ModificationTime = time,
            ExtendedAttributes = entry.ExtendedAttributes,
        };

        switch (entry.Kind)
        {
            case FileTreeEntryKind.RegularFile:
                await WriteHeaderAsync(header with { Size = entry.Size }, cancellationToken);
                if (entry.Size > 0)
                {
                    using var content = openContent();
                    await sink.CopyFromAsync(content, entry.Size, entry.Path, cancellationToken);
                    await sink.WriteZerosAsync(TarHeaderEncoder.Padding(entry.Size), cancellationToken);
                }

                break;
            case FileTreeEntryKind.Directory:
                await WriteHeaderAsync(header with { Name = entry.Path + "/", TypeFlag = TarTypeFlag.Directory }, cancellationToken);
                if (entry.Opaque)
                {
                    await WriteHeaderAsync(
                        header with { Name = entry.Path + "/" + OpaqueMarker, Mode = entry.Mode & 0x1FF, ExtendedAttributes = NoAttributes },
                        cancellationToken);
                }

                break;
            case FileTreeEntryKind.Whiteout:
                await WriteHeaderAsync(
                    header with { Name = WhiteoutName(entry.Path), Mode = WhiteoutMode, ExtendedAttributes = NoAttributes },
                    cancellationToken);
                break;
            case FileTreeEntryKind.Symlink:
                await WriteHeaderAsync(header with { TypeFlag = TarTypeFlag.Symlink, LinkName = Target(entry) }, cancellationToken);
                break;
            case FileTreeEntryKind.Hardlink:
                await WriteHeaderAsync(header with { TypeFlag = TarTypeFlag.Hardlink, LinkName = Target(entry) }, cancellationToken);
                break;
            case FileTreeEntryKind.CharDevice or FileTreeEntryKind.BlockDevice:
                await WriteHeaderAsync(
                    header with
                    {
                        TypeFlag = entry.Kind == FileTreeEntryKind.CharDevice ? TarTypeFlag.CharDevice : TarTypeFlag.BlockDevice,
                        DeviceMajor = entry.DeviceMajor,
                        DeviceMinor = entry.DeviceMinor,
                    },
                    cancellationToken);
                break;
            case FileTreeEntryKind.Fifo:
                await WriteHeaderAsync(header with { TypeFlag = TarTypeFlag.Fifo }, cancellationToken);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(entry), entry.Kind, $"{entry.Path}: unknown entry kind");
        }
    }

    /// <summary>The end-of-archive marker: two zero blocks.</summary>
    public ValueTask WriteEndAsync(CancellationToken cancellationToken) =>
        sink.WriteZerosAsync(2 * TarHeaderEncoder.BlockSize, cancellationToken);

    private static readonly IReadOnlyDictionary<string, byte[]> NoAttributes = new Dictionary<string, byte[]>();

    private ValueTask WriteHeaderAsync(TarHeader header, CancellationToken cancellationToken)
    {
        headerBuffer.ResetWrittenCount();
        TarHeaderEncoder.Encode(header, headerBuffer);
        return sink.WriteAsync(headerBuffer.WrittenMemory, cancellationToken);
    }

    private long Seconds(DateTimeOffset time)
    {
        // Whole seconds, as containerd and BuildKit write layers: sub-second times would need a
        // PAX record on every entry and differ between file systems.
        if (sourceDateEpoch is { } epoch && time > epoch)
        {
            time = epoch;
        }

        return time.ToUnixTimeSeconds();
    }

    private static string WhiteoutName(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? WhiteoutPrefix + path : string.Concat(path.AsSpan(0, slash + 1), WhiteoutPrefix, path.AsSpan(slash + 1));
    }

    private static string Target(FileTreeEntry entry) =>
        entry.LinkTarget ?? throw new ArgumentException($"{entry.Path}: a {entry.Kind} entry needs a link target", nameof(entry));
}
