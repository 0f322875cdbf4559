namespace ImageBuilder.Core.Compression;

/// <summary>
/// Decodes the LZMA symbols of LZMA2 chunks into an <see cref="LzWindow"/>: literals,
/// matches and repeated matches, with the usual 12-state machine and adaptive bit
/// probabilities. State survives between chunks unless LZMA2 asks for a reset.
/// </summary>
internal sealed partial class LzmaDecoder
{
    private const int States = 12;
    private const int PositionStatesMax = 16;
    private const int MatchMinLength = 2;
    private const int EndPositionModelIndex = 14;
    private const int AlignBits = 4;

    // Offsets into the one probability array.
    private const int IsMatch = 0;
    private const int IsRep = IsMatch + (States * PositionStatesMax);
    private const int IsRepG0 = IsRep + States;
    private const int IsRepG1 = IsRepG0 + States;
    private const int IsRepG2 = IsRepG1 + States;
    private const int IsRep0Long = IsRepG2 + States;
    private const int DistanceSlot = IsRep0Long + (States * PositionStatesMax);
    private const int DistanceSpecial = DistanceSlot + (4 * 64);
    private const int DistanceAlign = DistanceSpecial + 115;
    private const int MatchLength = DistanceAlign + (1 << AlignBits);
    private const int RepLength = MatchLength + LengthCoderSize;
    private const int Literal = RepLength + LengthCoderSize;
    private const int ProbabilityCount = Literal + (0x300 << 4);

    // Layout of a length coder.
    private const int LengthChoice = 0;
    private const int LengthChoice2 = 1;
    private const int LengthLow = 2;
    private const int LengthMid = LengthLow + (PositionStatesMax << 3);
    private const int LengthHigh = LengthMid + (PositionStatesMax << 3);
    private const int LengthCoderSize = LengthHigh + 256;

    private readonly ushort[] _probabilities = new ushort[ProbabilityCount];
    private RangeDecoder _rc;
    private int _literalContextBits;
    private int _literalPositionMask;
    private int _positionMask;
    private int _state;
    private uint _rep0;
    private uint _rep1;
    private uint _rep2;
    private uint _rep3;
    private int _pendingLength;

    /// <summary>Sets lc/lp/pb from an LZMA2 properties byte and resets the state.</summary>
    public void SetProperties(byte properties)
    {
        if (properties >= 9 * 5 * 5)
        {
            throw new InvalidDataException($"xz: invalid LZMA properties byte 0x{properties:X2}");
        }

        var lc = properties % 9;
        var lp = properties / 9 % 5;
        var pb = properties / 45;
        if (lc + lp > 4)
        {
            throw new InvalidDataException($"xz: invalid LZMA2 properties (lc {lc} + lp {lp} exceeds 4)");
        }

        _literalContextBits = lc;
        _literalPositionMask = (1 << lp) - 1;
        _positionMask = (1 << pb) - 1;
        ResetState();
    }

    public void ResetState()
    {
        Array.Fill(_probabilities, (ushort)1024);
        _state = 0;
        _rep0 = _rep1 = _rep2 = _rep3 = 0;
        _pendingLength = 0;
    }

    /// <summary>Starts the range decoder on a chunk's compressed bytes.</summary>
    public void StartChunk(byte[] compressed, int length) => _rc = new RangeDecoder(compressed, length);

    /// <summary>Throws unless the chunk ended exactly: no match left over, input consumed, coder flushed.</summary>
    public void FinishChunk()
    {
        if (_pendingLength != 0 || !_rc.TryFinish())
        {
            throw new InvalidDataException("xz: corrupt LZMA2 data (chunk does not end cleanly)");
        }
    }

    /// <summary>Decodes until the window position reaches <paramref name="limit"/>.</summary>
    public void Decode(LzWindow window, int limit)
    {
        var buffer = window.Buffer;
        var capacity = window.Capacity;
        var full = window.IsFull;
        var pos = window.Position;
        var probs = _probabilities;
        var rc = _rc;
        var state = _state;
        var rep0 = _rep0;
        var positionMask = _positionMask;
        var literalPositionMask = _literalPositionMask;
        var literalContextBits = _literalContextBits;
        var pendingLength = _pendingLength;

        if (pendingLength > 0)
        {
            pos = CopyMatch(buffer, capacity, pos, limit, rep0, pendingLength, out pendingLength);
        }

        while (pos < limit)
        {
            var posState = pos & positionMask;
            if (rc.DecodeBit(ref probs[IsMatch + (state << 4) + posState]) == 0)
            {
                var previous = pos > 0 ? buffer[pos - 1] : full ? buffer[capacity - 1] : 0;
                var literal = Literal + (0x300 * (((pos & literalPositionMask) << literalContextBits) + (previous >> (8 - literalContextBits))));
                uint symbol = 1;
                if (state < 7)
                {
                    do
                    {
                        symbol = (symbol << 1) | rc.DecodeBit(ref probs[literal + (int)symbol]);
                    }
                    while (symbol < 0x100);
                    state = state < 4 ? 0 : state - 3;
                }
                else
                {
                    var source = pos - (int)rep0 - 1;
                    uint matchByte = buffer[source < 0 ? source + capacity : source];
                    uint offset = 0x100;
                    do
                    {
                        matchByte <<= 1;
                        var matchBit = matchByte & offset;
                        var bit = rc.DecodeBit(ref probs[literal + (int)(offset + matchBit + symbol)]);
                        symbol = (symbol << 1) | bit;
                        offset &= bit != 0 ? matchBit : ~matchBit;
                    }
                    while (symbol < 0x100);
                    state = state < 10 ? state - 3 : state - 6;
                }

                buffer[pos++] = (byte)symbol;
            }
            else
            {
                int length;
                if (rc.DecodeBit(ref probs[IsRep + state]) == 0)
                {
                    length = DecodeLength(ref rc, probs, MatchLength, posState);
                    _rep3 = _rep2;
                    _rep2 = _rep1;
                    _rep1 = rep0;
                    rep0 = DecodeDistance(ref rc, probs, length);
                    state = state < 7 ? 7 : 10;
                }
                else if (rc.DecodeBit(ref probs[IsRepG0 + state]) == 0)
                {
                    if (rc.DecodeBit(ref probs[IsRep0Long + (state << 4) + posState]) == 0)
                    {
                        state = state < 7 ? 9 : 11;
                        length = 1;
                    }
                    else
                    {
                        length = DecodeLength(ref rc, probs, RepLength, posState);
                        state = state < 7 ? 8 : 11;
                    }
                }
                else
                {
                    uint distance;
                    if (rc.DecodeBit(ref probs[IsRepG1 + state]) == 0)
                    {
                        distance = _rep1;
                    }
                    else
                    {
                        if (rc.DecodeBit(ref probs[IsRepG2 + state]) == 0)
                        {
                            distance = _rep2;
                        }
                        else
                        {
                            distance = _rep3;
                            _rep3 = _rep2;
                        }

                        _rep2 = _rep1;
                    }

                    _rep1 = rep0;
                    rep0 = distance;
                    length = DecodeLength(ref rc, probs, RepLength, posState);
                    state = state < 7 ? 8 : 11;
                }

                if (rep0 >= (uint)(full ? capacity : pos))
                {
                    ThrowBadDistance(rep0);
                }

                pos = CopyMatch(buffer, capacity, pos, limit, rep0, length, out pendingLength);
            }

            if (rc.IsOverrun)
            {
                ThrowOverrun();
            }
        }

        window.Position = pos;
        _pendingLength = pendingLength;
        _rc = rc;
        _state = state;
        _rep0 = rep0;
    }
}
