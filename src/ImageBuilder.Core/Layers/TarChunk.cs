using System.Buffers;

namespace ImageBuilder.Core.Layers;

/// <summary>
/// A slice of the uncompressed tar stream in a buffer rented from <see cref="ArrayPool{T}.Shared"/>.
/// Whoever holds the chunk last returns the buffer; a chunk lost on a failure path is simply
/// left to the garbage collector.
/// </summary>
internal readonly record struct TarChunk(byte[] Buffer, int Length, bool IsFinal)
{
    public ReadOnlyMemory<byte> Memory => Buffer.AsMemory(0, Length);

    public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);

    public void Return() => ArrayPool<byte>.Shared.Return(Buffer);
}
