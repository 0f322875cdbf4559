namespace ImageBuilder.Core.Tests.Layers;

/// <summary>
/// Stands in for a network stream: it cannot seek or tell its length, and hands out at most
/// <paramref name="chunk"/> bytes per read, so read-ahead code meets short reads.
/// </summary>
internal sealed class ForwardOnlyStream(byte[] data, int chunk = 7) : Stream
{
    private int position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException("forward only");

    public override long Position
    {
        get => throw new NotSupportedException("forward only");
        set => throw new NotSupportedException("forward only");
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var count = Math.Min(Math.Min(buffer.Length, chunk), data.Length - position);
        data.AsSpan(position, count).CopyTo(buffer);
        position += count;
        return count;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("forward only");

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
