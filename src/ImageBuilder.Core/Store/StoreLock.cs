using System.IO.Abstractions;

namespace ImageBuilder.Core.Store;

/// <summary>
/// The store's write lock: an exclusive advisory lock (flock) on <c>ibuild/lock</c>, so
/// concurrent ibuild processes change index.json and delete content one at a time. The
/// kernel drops it when the process dies, so a killed ibuild never leaves the store locked.
/// </summary>
public sealed class StoreLock : IDisposable
{
    private readonly Stream handle;

    private StoreLock(Stream handle) => this.handle = handle;

    public static StoreLock Acquire(IFileSystem fileSystem, string lockPath, TimeSpan timeout) =>
        Acquire(fileSystem, lockPath, timeout, shared: false);

    /// <summary>A shared lock (flock LOCK_SH) when <paramref name="shared"/>: many holders at once,
    /// but none while someone holds it exclusively.</summary>
    public static StoreLock Acquire(IFileSystem fileSystem, string lockPath, TimeSpan timeout, bool shared)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                // On Linux, FileShare.None takes flock(LOCK_EX | LOCK_NB) on the file, any other
                // sharing mode flock(LOCK_SH | LOCK_NB).
                var share = shared ? FileShare.ReadWrite : FileShare.None;
                return new StoreLock(fileSystem.FileStream.New(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, share));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(25);
            }
            catch (IOException e)
            {
                throw new StoreException(StoreError.LockTimeout,
                    $"another ibuild process has held the store lock ({lockPath}) for {timeout.TotalSeconds:F0}s", e);
            }
        }
    }

    /// <summary>The lock if it is free right now, else null (never waits).</summary>
    public static StoreLock? TryAcquire(IFileSystem fileSystem, string lockPath, bool shared)
    {
        try
        {
            var share = shared ? FileShare.ReadWrite : FileShare.None;
            return new StoreLock(fileSystem.FileStream.New(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, share));
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Dispose() => handle.Dispose();
}
