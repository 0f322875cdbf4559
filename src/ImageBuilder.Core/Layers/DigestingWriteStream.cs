using System.Diagnostics;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Layers;

/// <summary>
/// Passes writes through to the blob's destination while hashing and counting them, so the
/// layer digest and size come out of the same pass that writes the blob (the store's
/// <see cref="Store.BlobWriter"/> hashes what it writes with it too). Disposing it leaves the
/// destination open.
/// </summary>
/// <param name="destination">Where the bytes go.</param>
/// <param name="hashing">False: only count (an uncompressed layer's digest is its diff id, hashed already).</param>
internal sealed class DigestingWriteStream(Stream destination, bool hashing = true) : ForwardWriteStream
{
    private readonly Hashing.Sha256Hasher hash = new();

    public long BytesWritten { get; private set; }

    /// <summary>Time spent hashing what passed (the trace shows it).</summary>
    public TimeSpan HashTime { get; private set; }

    public Digest Digest => hashing
        ? Digest.Parse("sha256:" + Convert.ToHexStringLower(hash.CurrentHash()))
        : throw new InvalidOperationException("this stream only counts");

    public override long Length => BytesWritten;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Hash(buffer);
        BytesWritten += buffer.Length;
        destination.Write(buffer);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Hash(buffer.Span);
        BytesWritten += buffer.Length;
        return destination.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush() => destination.Flush();

    private void Hash(ReadOnlySpan<byte> buffer)
    {
        if (!hashing)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        hash.Append(buffer);
        HashTime += Stopwatch.GetElapsedTime(started);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => destination.FlushAsync(cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
