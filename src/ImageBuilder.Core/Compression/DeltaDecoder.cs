namespace ImageBuilder.Core.Compression;

/// <summary>
/// The Delta filter (id 0x03): each byte was stored as its difference from the byte
/// <c>distance</c> positions earlier (1 to 256); decoding adds it back.
/// </summary>
internal sealed class DeltaDecoder(IXzBlockSource source, int distance) : IXzBlockSource
{
    private readonly byte[] _history = new byte[256];
    private int _position;

    public int Read(Span<byte> destination)
    {
        var count = source.Read(destination);
        var history = _history;
        var position = _position;
        for (var i = 0; i < count; i++)
        {
            var value = (byte)(destination[i] + history[(position - distance) & 0xFF]);
            destination[i] = value;
            history[position & 0xFF] = value;
            position++;
        }

        _position = position & 0xFF;
        return count;
    }
}
