using System.IO.Pipelines;

namespace ImageBuilder.Application.Registries;

/// <summary>
/// A write-only stream that writes what it is given to <paramref name="first"/> and then to
/// <paramref name="second"/> (waiting while that pipe is full): a download stored and checked at
/// once. Once the pipe's reader has finished (it saw enough), the rest goes to the first alone.
/// Disposing it leaves both open.
/// </summary>
internal sealed class TeeStream(Stream first, PipeWriter second) : Stream
{
    private bool secondDone;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await first.WriteAsync(buffer, cancellationToken);
        if (!secondDone)
        {
            secondDone = (await second.WriteAsync(buffer, cancellationToken)).IsCompleted;
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("write asynchronously");

    public override Task FlushAsync(CancellationToken cancellationToken) => first.FlushAsync(cancellationToken);

    public override void Flush() => first.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
