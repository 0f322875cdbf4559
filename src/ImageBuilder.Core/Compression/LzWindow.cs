namespace ImageBuilder.Core.Compression;

/// <summary>
/// The LZ dictionary (sliding window) the LZMA2 decoder writes into; decoded bytes are
/// handed out from it in spans. It starts small and doubles up to the dictionary size
/// (or the block's uncompressed size when the header gives it), so a small file never pays
/// for a 64 MiB dictionary. Once it reaches its final capacity it becomes circular.
/// The capacity is always a multiple of 16 so that positions modulo the LZMA position
/// mask are the same in the window as in the stream.
/// </summary>
internal sealed class LzWindow
{
    private const int InitialCapacity = 1 << 20;

    private int _pendingStart;
    private int _maxCapacity;

    /// <summary>The window; only [0, Capacity) is in use.</summary>
    internal byte[] Buffer { get; private set; } = [];

    /// <summary>Where the next decoded byte goes.</summary>
    internal int Position { get; set; }

    internal int Capacity { get; private set; }

    /// <summary>Whether the window has wrapped, so that all of [0, Capacity) holds history.</summary>
    internal bool IsFull { get; private set; }

    /// <summary>Whether decoded bytes are waiting to be copied out.</summary>
    public bool HasPending => _pendingStart < Position;

    /// <summary>Prepares for a new block: empty window of at most <paramref name="dictionarySize"/> bytes.</summary>
    public void Reset(int dictionarySize, long? uncompressedSize)
    {
        var max = (long)dictionarySize;
        if (uncompressedSize is { } size && size < max)
        {
            max = Math.Max(size, 16);
        }

        _maxCapacity = (int)((max + 15) & ~15L);
        Capacity = Math.Min(_maxCapacity, InitialCapacity);
        if (Buffer.Length < Capacity)
        {
            Buffer = new byte[Capacity];
        }

        ResetDictionary();
    }

    /// <summary>Forgets the history (an LZMA2 dictionary reset); only allowed when nothing is pending.</summary>
    public void ResetDictionary()
    {
        Position = 0;
        _pendingStart = 0;
        IsFull = false;
    }

    /// <summary>
    /// Makes room and returns the exclusive end up to which the decoder may write, at most
    /// <paramref name="wanted"/> bytes past <see cref="Position"/> (and at least one).
    /// Only called when nothing is pending.
    /// </summary>
    public int WriteLimit(int wanted)
    {
        if (Position == Capacity)
        {
            if (!IsFull && Capacity < _maxCapacity)
            {
                Capacity = (int)Math.Min((long)Capacity * 2, _maxCapacity);
                if (Buffer.Length < Capacity)
                {
                    var grown = new byte[Capacity];
                    Buffer.AsSpan(0, Position).CopyTo(grown);
                    Buffer = grown;
                }
            }
            else
            {
                Position = 0;
                _pendingStart = 0;
                IsFull = true;
            }
        }

        return Position + Math.Min(wanted, Capacity - Position);
    }

    /// <summary>Copies pending decoded bytes out; returns how many.</summary>
    public int CopyOut(Span<byte> destination)
    {
        var count = Math.Min(destination.Length, Position - _pendingStart);
        Buffer.AsSpan(_pendingStart, count).CopyTo(destination);
        _pendingStart += count;
        return count;
    }
}
