namespace ImageBuilder.Core.Compression;

/// <summary>
/// Decodes one block (spec section 3): runs its data through the filter chain, counts the
/// compressed and uncompressed bytes against the header, then reads the block padding and
/// verifies the integrity check.
/// </summary>
internal sealed class XzBlockReader(XzInput input)
{
    private readonly Lzma2Decoder _lzma2 = new(input);
    private IXzBlockSource? _source;
    private XzBlockHeader? _header;
    private XzCheck? _check;
    private long _dataStart;
    private long _uncompressed;

    /// <summary>Whether a block is being decoded.</summary>
    public bool IsActive => _header is not null;

    public void Start(XzBlockHeader header, XzCheck check)
    {
        var filters = header.Filters;
        _lzma2.Start(Lzma2Decoder.DictionarySize(filters[^1].Properties[0]), header.UncompressedSize);
        IXzBlockSource source = _lzma2;
        for (var i = filters.Count - 2; i >= 0; i--)
        {
            source = new DeltaDecoder(source, filters[i].Properties[0] + 1);
        }

        _source = source;
        _header = header;
        _check = check;
        _dataStart = input.Position;
        _uncompressed = 0;
    }

    /// <summary>
    /// Decoded bytes of the current block; 0 when the block has ended, after which it is
    /// verified and its (unpadded, uncompressed) sizes are returned in <paramref name="sizes"/>.
    /// </summary>
    public int Read(Span<byte> destination, out (long Unpadded, long Uncompressed) sizes)
    {
        var header = _header!;
        var count = _source!.Read(destination);
        if (count > 0)
        {
            _uncompressed += count;
            if (_uncompressed > header.UncompressedSize)
            {
                throw new InvalidDataException("xz: corrupt block (more data than its header declares)");
            }

            _check!.Append(destination[..count]);
            sizes = default;
            return count;
        }

        sizes = Finish(header);
        return 0;
    }

    private (long Unpadded, long Uncompressed) Finish(XzBlockHeader header)
    {
        var compressed = input.Position - _dataStart;
        if (header.CompressedSize is { } declared && declared != compressed)
        {
            throw new InvalidDataException($"xz: corrupt block (header declares {declared} compressed bytes, found {compressed})");
        }

        if (header.UncompressedSize is { } size && size != _uncompressed)
        {
            throw new InvalidDataException($"xz: corrupt block (header declares {size} uncompressed bytes, found {_uncompressed})");
        }

        for (var padding = compressed; padding % 4 != 0; padding++)
        {
            if (input.ReadByte() != 0)
            {
                throw new InvalidDataException("xz: corrupt block (non-zero block padding)");
            }
        }

        var check = _check!;
        Span<byte> stored = stackalloc byte[check.Size];
        input.ReadExactly(stored);
        if (!check.MatchesAndReset(stored))
        {
            throw new InvalidDataException($"xz: corrupt data ({check.Name} integrity check mismatch)");
        }

        _header = null;
        return (header.Size + compressed + check.Size, _uncompressed);
    }
}
