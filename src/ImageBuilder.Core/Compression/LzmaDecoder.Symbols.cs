using System.Runtime.CompilerServices;

namespace ImageBuilder.Core.Compression;

/// <summary>Match lengths, distances and the copying of matches within the window.</summary>
internal sealed partial class LzmaDecoder
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int DecodeLength(ref RangeDecoder rc, ushort[] probs, int coder, int posState)
    {
        if (rc.DecodeBit(ref probs[coder + LengthChoice]) == 0)
        {
            return MatchMinLength + (int)rc.DecodeTree(probs, coder + LengthLow + (posState << 3), 3);
        }

        if (rc.DecodeBit(ref probs[coder + LengthChoice2]) == 0)
        {
            return MatchMinLength + 8 + (int)rc.DecodeTree(probs, coder + LengthMid + (posState << 3), 3);
        }

        return MatchMinLength + 16 + (int)rc.DecodeTree(probs, coder + LengthHigh, 8);
    }

    /// <summary>The distance minus one of a new match of <paramref name="length"/> bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint DecodeDistance(ref RangeDecoder rc, ushort[] probs, int length)
    {
        var lengthState = Math.Min(length - MatchMinLength, 3);
        var slot = rc.DecodeTree(probs, DistanceSlot + (lengthState << 6), 6);
        if (slot < 4)
        {
            return slot;
        }

        var directBits = (int)(slot >> 1) - 1;
        var distance = (2 | (slot & 1)) << directBits;
        if (slot < EndPositionModelIndex)
        {
            return distance + rc.DecodeReverseTree(probs, DistanceSpecial + (int)distance - (int)slot - 1, directBits);
        }

        distance += rc.DecodeDirect(directBits - AlignBits) << AlignBits;
        return distance + rc.DecodeReverseTree(probs, DistanceAlign - 1, AlignBits);
    }

    /// <summary>
    /// Copies <paramref name="length"/> bytes from <paramref name="distance"/> + 1 back, stopping at
    /// <paramref name="limit"/>; what is left over is returned in <paramref name="remaining"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int CopyMatch(byte[] buffer, int capacity, int pos, int limit, uint distance, int length, out int remaining)
    {
        var count = Math.Min(length, limit - pos);
        remaining = length - count;
        var source = pos - (int)distance - 1;
        if (source < 0)
        {
            source += capacity;
        }

        if (count <= 16 || source + count > capacity)
        {
            for (var i = 0; i < count; i++)
            {
                buffer[pos++] = buffer[source++];
                if (source == capacity)
                {
                    source = 0;
                }
            }

            return pos;
        }

        if (source > pos || count <= (int)distance + 1)
        {
            buffer.AsSpan(source, count).CopyTo(buffer.AsSpan(pos, count));
        }
        else if (distance == 0)
        {
            buffer.AsSpan(pos, count).Fill(buffer[source]);
        }
        else
        {
            for (var i = 0; i < count; i++)
            {
                buffer[pos + i] = buffer[source + i];
            }
        }

        return pos + count;
    }

    private static void ThrowBadDistance(uint distance) =>
        throw new InvalidDataException($"xz: corrupt LZMA2 data (match distance {(long)distance + 1} reaches before the start of the dictionary)");

    private static void ThrowOverrun() =>
        throw new InvalidDataException("xz: corrupt LZMA2 data (chunk ends in the middle of a symbol)");
}
