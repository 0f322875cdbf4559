namespace ImageBuilder.Core.Compression;

/// <summary>
/// Reads the LZMA2 chunk sequence of one block: each chunk is either stored (copied into
/// the window) or LZMA-compressed (at most 64 KiB in, 2 MiB out), and may reset the
/// dictionary, the LZMA state or the lc/lp/pb properties. A 0x00 control byte ends it.
/// </summary>
internal sealed class Lzma2Decoder : IXzBlockSource
{
    /// <summary>Largest dictionary accepted (1.5 GiB): more is refused rather than allocated.</summary>
    public const long MaxDictionarySize = 3L << 29;

    private readonly XzInput _input;
    private readonly LzWindow _window = new();
    private readonly LzmaDecoder _lzma = new();
    private readonly byte[] _chunk = new byte[(64 * 1024) + RangeDecoder.Slack];
    private int _uncompressedLeft;
    private bool _storedChunk;
    private bool _needDictionaryReset;
    private bool _needProperties;
    private bool _ended;

    public Lzma2Decoder(XzInput input) => _input = input;

    /// <summary>The dictionary size encoded in the LZMA2 filter's properties byte.</summary>
    public static int DictionarySize(byte properties)
    {
        if (properties > 40)
        {
            throw new InvalidDataException($"xz: invalid LZMA2 dictionary size byte {properties}");
        }

        var size = properties == 40 ? uint.MaxValue : (2u | (properties & 1u)) << ((properties >> 1) + 11);
        if (size > MaxDictionarySize)
        {
            throw new InvalidDataException($"xz: LZMA2 dictionary of {size} bytes exceeds the {MaxDictionarySize} byte limit");
        }

        return (int)size;
    }

    /// <summary>Prepares for a block's LZMA2 data.</summary>
    public void Start(int dictionarySize, long? uncompressedSize)
    {
        _window.Reset(dictionarySize, uncompressedSize);
        _uncompressedLeft = 0;
        _needDictionaryReset = true;
        _needProperties = true;
        _ended = false;
    }

    /// <summary>Decoded bytes into <paramref name="destination"/>; 0 only at the end of the LZMA2 data.</summary>
    public int Read(Span<byte> destination)
    {
        if (destination.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            if (_window.HasPending)
            {
                return _window.CopyOut(destination);
            }

            if (_uncompressedLeft == 0)
            {
                if (_ended || !StartChunk())
                {
                    return 0;
                }

                continue;
            }

            var limit = _window.WriteLimit(_uncompressedLeft);
            var produced = limit - _window.Position;
            if (_storedChunk)
            {
                _input.ReadExactly(_window.Buffer.AsSpan(_window.Position, produced));
                _window.Position = limit;
            }
            else
            {
                _lzma.Decode(_window, limit);
            }

            _uncompressedLeft -= produced;
            if (_uncompressedLeft == 0 && !_storedChunk)
            {
                _lzma.FinishChunk();
            }
        }
    }

    /// <summary>Reads a chunk header (and an LZMA chunk's data); false at the end marker.</summary>
    private bool StartChunk()
    {
        var control = _input.ReadByte();
        if (control == 0x00)
        {
            _ended = true;
            return false;
        }

        if (control >= 0xE0 || control == 0x01)
        {
            _needProperties = true;
            _needDictionaryReset = false;
            _window.ResetDictionary();
        }
        else if (_needDictionaryReset)
        {
            throw new InvalidDataException("xz: corrupt LZMA2 data (the first chunk does not reset the dictionary)");
        }

        if (control < 0x80)
        {
            if (control > 0x02)
            {
                throw new InvalidDataException($"xz: corrupt LZMA2 data (invalid control byte 0x{control:X2})");
            }

            _storedChunk = true;
            _uncompressedLeft = ReadBigEndian16() + 1;
            return true;
        }

        _storedChunk = false;
        _uncompressedLeft = ((control & 0x1F) << 16) + ReadBigEndian16() + 1;
        var compressedSize = ReadBigEndian16() + 1;
        if (control >= 0xC0)
        {
            _needProperties = false;
            _lzma.SetProperties(_input.ReadByte());
        }
        else if (_needProperties)
        {
            throw new InvalidDataException("xz: corrupt LZMA2 data (an LZMA chunk lacks the properties it needs)");
        }
        else if (control >= 0xA0)
        {
            _lzma.ResetState();
        }

        _input.ReadExactly(_chunk.AsSpan(0, compressedSize));
        _lzma.StartChunk(_chunk, compressedSize);
        return true;
    }

    private int ReadBigEndian16() => (_input.ReadByte() << 8) | _input.ReadByte();
}
