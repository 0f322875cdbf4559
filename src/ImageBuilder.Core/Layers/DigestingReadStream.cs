using System.Security.Cryptography;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Layers;

/// <summary>
/// Passes reads through from <paramref name="inner"/> while hashing (sha256) and counting every
/// byte, so the diffID of a layer comes out of the same pass that unpacks it.
/// </summary>
internal sealed class DigestingReadStream(Stream inner) : ForwardReadStream
{
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>How many bytes went through so far.</summary>
    public long BytesRead { get; private set; }

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    /// <summary>The sha256 of everything read; call once, at the end.</summary>
    public Digest GetDigest() => Digest.Parse("sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset()));

    /// <summary>Reads (and hashes) whatever is left, as containerd does after the tar trailer.</summary>
    public Task DrainAsync(CancellationToken cancellationToken) => CopyToAsync(Null, cancellationToken);

    public override int Read(Span<byte> buffer)
    {
        var count = inner.Read(buffer);
        Account(buffer[..count]);
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var count = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Account(buffer.Span[..count]);
        return count;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            hash.Dispose();
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Account(ReadOnlySpan<byte> bytes)
    {
        hash.AppendData(bytes);
        BytesRead += bytes.Length;
    }
}
