using System.Buffers;

namespace ImageBuilder.Core.Layers;

/// <summary>
/// A write-only memory stream over a buffer rented from <see cref="ArrayPool{T}.Shared"/>,
/// growing by renting a larger one. It holds one compressed chunk; <see cref="Return"/> gives
/// the buffer back.
/// </summary>
internal sealed class PooledBufferStream(int initialCapacity) : ForwardWriteStream
{
    private byte[] buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    private int length;

    public ReadOnlyMemory<byte> Memory => buffer.AsMemory(0, length);

    public override long Length => length;

    /// <summary>Drops everything written after the first <paramref name="value"/> bytes.</summary>
    public override void SetLength(long value)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, length);
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        length = (int)value;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (this.buffer.Length - length < buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(this.buffer.Length * 2, length + buffer.Length));
            this.buffer.AsSpan(0, length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(this.buffer);
            this.buffer = larger;
        }

        buffer.CopyTo(this.buffer.AsSpan(length));
        length += buffer.Length;
    }

    public void Return()
    {
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = [];
        length = 0;
    }
}
