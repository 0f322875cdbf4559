using System.IO.Abstractions;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Tracing;

namespace ImageBuilder.Core.Store;

/// <summary>
/// A blob being written: bytes go to a temporary file and through sha256 at once.
/// <see cref="Commit"/> flushes to disk and renames the file into <c>blobs/</c>;
/// disposing without committing deletes the temporary file.
/// </summary>
public sealed class BlobWriter : IDisposable, IAsyncDisposable
{
    private readonly ContentStore store;
    private readonly string temporaryPath;
    private readonly FileSystemStream file;
    private readonly DigestingWriteStream hashing;
    private bool committed;

    internal BlobWriter(ContentStore store)
    {
        this.store = store;
        file = store.CreateTemporaryFile(out temporaryPath, 1 << 16);
        hashing = new DigestingWriteStream(file);
    }

    /// <summary>Write the blob's bytes here.</summary>
    public Stream Stream => hashing;

    /// <exception cref="StoreException">DigestMismatch.</exception>
    public (Digest Digest, long Size) Commit(Digest? expected)
    {
        using var phase = BuildTrace.Phase("blob");
        hashing.Flush();
        using (BuildTrace.Durability("fsync"))
        {
            file.Flush(flushToDisk: true);
        }

        var digest = hashing.Digest;
        var size = hashing.BytesWritten;
        phase.Arg("bytes", size).Arg("hashMs", hashing.HashTime);
        file.Dispose();
        if (expected is { } want && want != digest)
        {
            throw new StoreException(StoreError.DigestMismatch, $"content has digest {digest}, expected {want}");
        }

        var path = store.BlobPath(digest);
        if (store.FileSystem.File.Exists(path))
        {
            store.FileSystem.File.Delete(temporaryPath);
        }
        else
        {
            var directory = store.FileSystem.Path.GetDirectoryName(path)!;
            store.FileSystem.Directory.CreateDirectory(directory);
            store.FileSystem.File.Move(temporaryPath, path, overwrite: true);
            store.SyncDirectory(directory);
        }

        committed = true;
        return (digest, size);
    }

    public void Dispose()
    {
        file.Dispose();
        if (!committed)
        {
            try
            {
                store.FileSystem.File.Delete(temporaryPath);
            }
            catch (IOException)
            {
                // Left for prune: temporary files are never read as blobs.
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
