namespace ImageBuilder.Core.Layers;

/// <summary>
/// A read-only view of a stream whose asynchronous reads are its synchronous ones, done on the
/// calling thread and returned completed: <see cref="LayerTarReader.ReadNext"/> runs the async
/// reader over it without ever leaving the thread.
/// </summary>
internal sealed class CallingThreadStream(Stream inner) : ForwardReadStream
{
    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(inner.Read(buffer, offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(inner.Read(buffer.Span));
}
