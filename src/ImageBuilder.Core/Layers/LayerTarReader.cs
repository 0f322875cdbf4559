namespace ImageBuilder.Core.Layers;

/// <summary>
/// Reads a layer tar strictly forward: ustar, PAX (local records; global ones are skipped, as
/// docker and containerd skip them), GNU (long names 'L' and 'K', base-256 numbers) and old V7
/// headers, following the rules of Go's archive/tar, which docker, containerd, BuildKit and
/// skopeo use to read and write layers.
/// </summary>
/// <remarks>
/// Why not a library. System.Formats.Tar's <c>TarReader</c> handles every header format and
/// exposes PAX records as <c>PaxTarEntry.ExtendedAttributes</c>, but as strings decoded from
/// UTF-8: a binary value such as <c>security.capability</c> for <c>cap_setuid</c> (byte 0xc0)
/// comes back as U+FFFD and cannot be restored (checked against GNU tar output). SharpZipLib's
/// <c>TarInputStream</c> reads PAX headers only for the path, size, owner and time, and drops
/// every <c>SCHILY.xattr.*</c> record. Neither can carry file capabilities, so the header
/// parsing lives here; it is small because the format is. ADD's archive extraction reads local
/// tars with it too (<see cref="OnCallingThread"/>), so an ADDed tar keeps its xattrs as well.
/// </remarks>
public sealed class LayerTarReader(Stream input)
{
    private const int BlockSize = TarHeaderBlock.BlockLength;

    // Go's archive/tar refuses PAX and GNU long-name records above 1 MiB; so does this reader,
    // so that a hostile size cannot make it buffer gigabytes.
    private const int MaxExtendedHeaderSize = 1 << 20;

    private readonly byte[] block = new byte[BlockSize];
    private long offset;
    private int padding;
    private bool ended;

    /// <summary>The length of a tar block, and so of the head <see cref="IsTarHeader"/> looks at.</summary>
    public const int BlockLength = BlockSize;

    /// <summary>Whether <paramref name="block"/> (the first 512 bytes of a file) is a tar header: how ADD tells a tar from any other file.</summary>
    public static bool IsTarHeader(ReadOnlySpan<byte> block) => TarHeaderBlock.IsHeader(block);

    /// <summary>The content of the entry last returned by <see cref="ReadNextAsync"/>.</summary>
    public TarEntryContent? Content { get; private set; }

    /// <summary>
    /// A reader that does all its reading on the calling thread, for <see cref="ReadNext"/>: ADD
    /// extracts on a thread that may own a private mount namespace, and must not hop threads.
    /// </summary>
    public static LayerTarReader OnCallingThread(Stream input) => new(new CallingThreadStream(input));

    /// <summary>The next entry, or null at the end of the archive, read without ever waiting (a reader made by <see cref="OnCallingThread"/>).</summary>
    public TarEntryHeader? ReadNext()
    {
        var next = ReadNextAsync(CancellationToken.None);
        return next.IsCompleted
            ? next.GetAwaiter().GetResult()
            : throw new InvalidOperationException("ReadNext needs a reader made by LayerTarReader.OnCallingThread");
    }

    /// <summary>The next entry, or null at the end of the archive.</summary>
    public async ValueTask<TarEntryHeader?> ReadNextAsync(CancellationToken cancellationToken)
    {
        await SkipRestOfEntryAsync(cancellationToken).ConfigureAwait(false);
        Dictionary<string, byte[]>? pax = null;
        string? longName = null;
        string? longLink = null;
        while (!ended)
        {
            var start = offset;
            if (!await ReadHeaderAsync(cancellationToken).ConfigureAwait(false))
            {
                ended = true;
                break;
            }

            var block = TarHeaderBlock.Parse(this.block, start);
            switch ((char)block.TypeFlag)
            {
                case 'x':
                    pax = PaxRecords.Parse(await ReadExtendedAsync(block, cancellationToken).ConfigureAwait(false), block.Name);
                    continue;
                case 'g':
                    await ReadExtendedAsync(block, cancellationToken).ConfigureAwait(false);
                    continue;
                case 'L':
                    longName = TarHeaderBlock.Text(await ReadExtendedAsync(block, cancellationToken).ConfigureAwait(false));
                    continue;
                case 'K':
                    longLink = TarHeaderBlock.Text(await ReadExtendedAsync(block, cancellationToken).ConfigureAwait(false));
                    continue;
            }

            var header = Merge(block, pax ?? [], longName, longLink);
            var dataLength = header.Type == TarHeaderType.RegularFile ? header.Size : 0;
            Content = new TarEntryContent(input, dataLength, header.Name);
            padding = Padding(dataLength);
            return header;
        }

        Content = null;
        return null;
    }

    internal static DateTimeOffset FromUnixSeconds(long seconds, string entryName)
    {
        // One second of slack at both ends leaves room for a PAX fraction.
        if (seconds <= DateTimeOffset.MinValue.ToUnixTimeSeconds() || seconds >= DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            throw new LayerFormatException(LayerFormatReason.Malformed, entryName, $"modification time {seconds} is out of range");
        }

        return DateTimeOffset.FromUnixTimeSeconds(seconds);
    }

    private static int Padding(long length) => (int)((BlockSize - (length % BlockSize)) % BlockSize);

    private static TarEntryHeader Merge(TarHeaderBlock block, Dictionary<string, byte[]> pax, string? longName, string? longLink)
    {
        // Precedence as in Go: a PAX record beats a GNU long name, which beats the header field.
        var name = PaxText(pax, PaxRecords.Path) ?? longName ?? block.Name;
        var link = PaxText(pax, PaxRecords.LinkPath) ?? longLink ?? block.LinkName;
        if (block.TypeFlag == (byte)'S' || pax.Keys.Any(k => k.StartsWith(PaxRecords.SparsePrefix, StringComparison.Ordinal)))
        {
            throw new LayerFormatException(LayerFormatReason.Unsupported, name, "sparse files are not supported in layers");
        }

        var type = (char)block.TypeFlag switch
        {
            '0' or '7' => TarHeaderType.RegularFile,
            '\0' => name.EndsWith('/') ? TarHeaderType.Directory : TarHeaderType.RegularFile,
            '1' => TarHeaderType.Hardlink,
            '2' => TarHeaderType.Symlink,
            '3' => TarHeaderType.CharDevice,
            '4' => TarHeaderType.BlockDevice,
            '5' => TarHeaderType.Directory,
            '6' => TarHeaderType.Fifo,
            var other => throw new LayerFormatException(
                LayerFormatReason.Unsupported, name, $"tar entry type '{LayerFormatException.Printable(other.ToString())}' is not supported"),
        };

        var size = PaxRecords.Integer(pax, PaxRecords.Size, name) ?? block.Size;
        if (size < 0)
        {
            throw new LayerFormatException(LayerFormatReason.Malformed, name, $"negative size {size}");
        }

        var isDevice = type is TarHeaderType.CharDevice or TarHeaderType.BlockDevice;
        return new TarEntryHeader(
            name,
            type,
            (int)(block.Mode & 0xfff),
            Id(PaxRecords.Integer(pax, PaxRecords.Uid, name) ?? block.Uid, name, "uid"),
            Id(PaxRecords.Integer(pax, PaxRecords.Gid, name) ?? block.Gid, name, "gid"),
            type == TarHeaderType.RegularFile ? size : 0,
            PaxRecords.Time(pax, name) ?? FromUnixSeconds(block.ModificationSeconds, name),
            link,
            isDevice ? Id(block.DevMajor, name, "device major number") : 0,
            isDevice ? Id(block.DevMinor, name, "device minor number") : 0,
            PaxRecords.ExtendedAttributes(pax));
    }

    // An empty PAX value means "no override" (POSIX: the record deletes the keyword).
    private static string? PaxText(Dictionary<string, byte[]> pax, string key) =>
        pax.TryGetValue(key, out var value) && value.Length > 0 ? TarHeaderBlock.Utf8(value) : null;

    private static int Id(long value, string entryName, string what) =>
        value is >= 0 and <= int.MaxValue
            ? (int)value
            : throw new LayerFormatException(LayerFormatReason.Malformed, entryName, $"{what} {value} is out of range");

    /// <summary>Reads a header block; false at the end of the archive.</summary>
    private async ValueTask<bool> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        // A stream that stops at a block boundary without the zero-block trailer is accepted, as Go does.
        if (await ReadBlockAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            return false;
        }

        if (!TarHeaderBlock.IsZero(block))
        {
            return true;
        }

        var second = await ReadBlockAsync(cancellationToken).ConfigureAwait(false);
        if (second == 0 || TarHeaderBlock.IsZero(block))
        {
            return false;
        }

        throw new LayerFormatException(LayerFormatReason.Malformed, null, $"a lone zero block before byte {offset - BlockSize}");
    }

    /// <summary>Reads one whole block into <see cref="block"/>; 0 at a clean end of stream.</summary>
    private async ValueTask<int> ReadBlockAsync(CancellationToken cancellationToken)
    {
        var count = await ReadSourceAsync(block, cancellationToken).ConfigureAwait(false);
        if (count is not 0 and not BlockSize)
        {
            throw new LayerFormatException(LayerFormatReason.Malformed, null, $"the layer ends inside a tar header at byte {offset}");
        }

        offset += count;
        return count;
    }

    private async ValueTask<byte[]> ReadExtendedAsync(TarHeaderBlock block, CancellationToken cancellationToken)
    {
        if (block.Size is < 0 or > MaxExtendedHeaderSize)
        {
            throw new LayerFormatException(
                LayerFormatReason.Malformed, block.Name, $"extended header of {block.Size} bytes (the limit is {MaxExtendedHeaderSize})");
        }

        var data = new byte[block.Size + Padding(block.Size)];
        if (await ReadSourceAsync(data, cancellationToken).ConfigureAwait(false) != data.Length)
        {
            throw new LayerFormatException(LayerFormatReason.Malformed, block.Name, "the layer ends inside an extended header");
        }

        offset += data.Length;
        return data[..(int)block.Size];
    }

    private async ValueTask SkipRestOfEntryAsync(CancellationToken cancellationToken)
    {
        if (Content is not { } content)
        {
            return;
        }

        await content.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
        var padding = new byte[this.padding];
        if (await ReadSourceAsync(padding, cancellationToken).ConfigureAwait(false) != padding.Length)
        {
            throw new LayerFormatException(LayerFormatReason.Malformed, content.EntryName, "the layer ends inside this entry's padding");
        }

        offset += content.Length + padding.Length;
        Content = null;
    }

    private async ValueTask<int> ReadSourceAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await input.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (TarEntryContent.AsCorruption(error, null) is { } corruption)
        {
            throw corruption;
        }
    }
}
