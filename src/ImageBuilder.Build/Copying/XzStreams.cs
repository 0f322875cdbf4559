using ImageBuilder.Core.Layers;
using SharpCompress.Compressors.Xz;

namespace ImageBuilder.Build.Copying;

/// <summary>
/// The decompressed content of an .xz file as the xz tool reads it: one or more streams, each
/// decoded and checked by SharpCompress's <see cref="XZStream"/> (which reads one stream and stops
/// right after its footer), with stream padding (zero bytes in fours) between them. Anything else
/// after a stream is invalid data. <paramref name="compressed"/> must seek (XZStream asks for
/// positions): ADD reads a local file.
/// </summary>
internal sealed class XzStreams(Stream compressed) : ForwardReadStream
{
    private XZStream? current = new(compressed);

    public override int Read(Span<byte> buffer)
    {
        while (current is not null)
        {
            var count = current.Read(buffer);
            if (count > 0 || buffer.IsEmpty)
            {
                return count;
            }

            current = NextStream();
        }

        return 0;
    }

    /// <summary>The stream after the padding, or null at the end of the file; whatever follows the padding must be a
    /// stream (<see cref="XZStream"/> refuses anything else).</summary>
    private XZStream? NextStream()
    {
        var group = new byte[4];
        while (true)
        {
            var count = compressed.ReadAtLeast(group, group.Length, throwOnEndOfStream: false);
            if (count == 0)
            {
                return null;
            }

            if (count < group.Length)
            {
                throw new InvalidDataException("xz: the stream padding is not a multiple of four bytes");
            }

            if (group.AsSpan().ContainsAnyExcept((byte)0))
            {
                compressed.Seek(-group.Length, SeekOrigin.Current);
                return new XZStream(compressed);
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            compressed.Dispose();
        }

        base.Dispose(disposing);
    }
}
