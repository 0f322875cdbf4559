namespace ImageBuilder.Core.Compression;

/// <summary>One stage of a block's filter chain as seen by the next: it hands out decoded bytes.</summary>
internal interface IXzBlockSource
{
    /// <summary>Fills part of <paramref name="destination"/> (non-empty); 0 only at the end of the block's data.</summary>
    int Read(Span<byte> destination);
}
