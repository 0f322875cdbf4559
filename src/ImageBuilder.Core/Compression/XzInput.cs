namespace ImageBuilder.Core.Compression;

/// <summary>
/// Buffered, forward-only access to the compressed bytes: counts how many were consumed
/// (block and index sizes are checked against it) and reports a premature end as
/// <see cref="InvalidDataException"/>.
/// </summary>
internal sealed class XzInput(Stream stream)
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private bool _eof;

    /// <summary>How many bytes have been consumed since the start of the input.</summary>
    public long Position { get; private set; }

    public byte ReadByte()
    {
        if (_start == _end && !Fill())
        {
            throw Truncated();
        }

        Position++;
        return _buffer[_start++];
    }

    public void ReadExactly(Span<byte> destination)
    {
        while (destination.Length > 0)
        {
            if (_start == _end && !Fill())
            {
                throw Truncated();
            }

            var count = Math.Min(destination.Length, _end - _start);
            _buffer.AsSpan(_start, count).CopyTo(destination);
            _start += count;
            Position += count;
            destination = destination[count..];
        }
    }

    /// <summary>The next byte without consuming it, or -1 at the end of the input.</summary>
    public int Peek() => _start < _end || Fill() ? _buffer[_start] : -1;

    private bool Fill()
    {
        if (_eof)
        {
            return false;
        }

        _start = 0;
        _end = stream.Read(_buffer, 0, _buffer.Length);
        if (_end <= 0)
        {
            _end = 0;
            _eof = true;
            return false;
        }

        return true;
    }

    private static InvalidDataException Truncated() => new("xz: unexpected end of input (the file is truncated)");
}
