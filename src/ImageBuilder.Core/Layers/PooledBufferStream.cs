using System.Buffers;

namespace ImageBuilder.Core.Layers;

/// <summary>
/// A write-only memory stream over a buffer rented from <see cref="ArrayPool{T}.Shared"/>,
/// growing by renting a larger one. It holds one compressed chunk; <see cref="Return"/> gives
/// the buffer back.
/// </summary>
internal sealed class PooledBufferStream(int initialCapacity) : Stream
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    private int _length;

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, _length);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    /// <summary>Drops everything written after the first <paramref name="value"/> bytes.</summary>
    public override void SetLength(long value)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, _length);
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        _length = (int)value;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_buffer.Length - _length < buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + buffer.Length));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        buffer.CopyTo(_buffer.AsSpan(_length));
        _length += buffer.Length;
    }

    public void Return()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _length = 0;
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
}
