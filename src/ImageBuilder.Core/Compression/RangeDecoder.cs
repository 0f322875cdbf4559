using System.Runtime.CompilerServices;

namespace ImageBuilder.Core.Compression;

/// <summary>
/// The LZMA range decoder over one LZMA2 chunk held in memory. The buffer has slack past
/// <see cref="End"/> so the decoder can run a whole symbol without a bounds test per
/// byte; the caller checks <see cref="IsOverrun"/> after each symbol.
/// </summary>
internal struct RangeDecoder
{
    /// <summary>Bytes of slack after a chunk: more than one symbol can consume.</summary>
    public const int Slack = 128;

    private const uint TopValue = 1u << 24;
    private const int ProbabilityBits = 11;
    private const int MoveBits = 5;

    private byte[] _buffer;
    private int _position;
    private int _end;
    private uint _range;
    private uint _code;

    public readonly bool IsOverrun => _position > _end;

    /// <summary>
    /// True when the chunk was consumed exactly and the coder ended flushed. The pending
    /// normalization after the last bit takes the chunk's final byte.
    /// </summary>
    public bool TryFinish()
    {
        if (_range < TopValue && _position < _end)
        {
            _range <<= 8;
            _code = (_code << 8) | _buffer[_position++];
        }

        return _position == _end && _code == 0;
    }

    public RangeDecoder(byte[] buffer, int length)
    {
        if (length < 5 || buffer[0] != 0)
        {
            throw new InvalidDataException("xz: corrupt LZMA2 data (bad range coder start)");
        }

        _buffer = buffer;
        _end = length;
        _range = uint.MaxValue;
        _code = (uint)(buffer[1] << 24 | buffer[2] << 16 | buffer[3] << 8 | buffer[4]);
        _position = 5;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint DecodeBit(ref ushort probability)
    {
        if (_range < TopValue)
        {
            _range <<= 8;
            _code = (_code << 8) | _buffer[_position++];
        }

        uint p = probability;
        var bound = (_range >> ProbabilityBits) * p;
        if (_code < bound)
        {
            _range = bound;
            probability = (ushort)(p + (((1u << ProbabilityBits) - p) >> MoveBits));
            return 0;
        }

        _range -= bound;
        _code -= bound;
        probability = (ushort)(p - (p >> MoveBits));
        return 1;
    }

    /// <summary>A symbol of <paramref name="bits"/> bits, most significant first, from a bit tree at <paramref name="offset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint DecodeTree(ushort[] probabilities, int offset, int bits)
    {
        uint symbol = 1;
        for (var i = 0; i < bits; i++)
        {
            symbol = (symbol << 1) | DecodeBit(ref probabilities[offset + (int)symbol]);
        }

        return symbol - (1u << bits);
    }

    /// <summary>A symbol of <paramref name="bits"/> bits, least significant first, from a bit tree at <paramref name="offset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint DecodeReverseTree(ushort[] probabilities, int offset, int bits)
    {
        uint index = 1;
        uint symbol = 0;
        for (var i = 0; i < bits; i++)
        {
            var bit = DecodeBit(ref probabilities[offset + (int)index]);
            index = (index << 1) | bit;
            symbol |= bit << i;
        }

        return symbol;
    }

    /// <summary><paramref name="count"/> bits with fixed probability one half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint DecodeDirect(int count)
    {
        uint result = 0;
        for (var i = 0; i < count; i++)
        {
            if (_range < TopValue)
            {
                _range <<= 8;
                _code = (_code << 8) | _buffer[_position++];
            }

            _range >>= 1;
            var mask = 0u - ((_code - _range) >> 31 ^ 1);
            _code -= _range & mask;
            result = (result << 1) | (mask & 1);
        }

        return result;
    }
}
