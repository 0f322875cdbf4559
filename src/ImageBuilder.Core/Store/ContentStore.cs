using System.IO.Abstractions;
using System.Security.Cryptography;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Store;

/// <summary>
/// The local store: an OCI image layout (<c>oci-layout</c>, <c>index.json</c>,
/// <c>blobs/sha256/…</c>) plus ibuild's own <c>ibuild/</c> folder with unpacked layer
/// snapshots keyed by chain id, a lock file and a scratch area. Blobs are written to a
/// temporary file, flushed to disk and renamed into place, so a reader never sees a
/// partial blob and writing the same content twice is harmless.
/// </summary>
public sealed partial class ContentStore
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Reads snapshots to pack them (lazy layer blobs); null in stores that never make one (tests).</summary>
    private readonly IFileTreeReader? treeReader;

    /// <summary>fsync of a directory (its entries); nothing on a file system that has no disk.</summary>
    private readonly Action<string> syncDirectory;

    /// <summary>The name of this object's directory for files in scratch (<see cref="NewTemporaryFilePath"/>).</summary>
    private readonly string fileScratchName = $"{Environment.ProcessId}-{(ulong)Random.Shared.NextInt64():x16}{FileScratchSuffix}";

    // Whether that directory was made by this object (then removed when the process ends).
    private int fileScratchMade;

    private ContentStore(IFileSystem fileSystem, string root, IFileTreeReader? treeReader, Action<string>? syncDirectory)
    {
        FileSystem = fileSystem;
        Root = root;
        this.treeReader = treeReader;
        this.syncDirectory = syncDirectory ?? (_ => { });
    }

    public IFileSystem FileSystem { get; }

    public string Root { get; }

    internal string BlobsPath => Path(Root, "blobs");

    internal string IndexPath => Path(Root, "index.json");

    internal string OwnPath => Path(Root, "ibuild");

    internal string SnapshotsPath => Path(OwnPath, "snapshots");

    internal string TemporaryPath => Path(OwnPath, "tmp");

    /// <summary>The ending of the directories of scratch that hold files being written (<see cref="NewTemporaryFilePath"/>): what is left is what they hold.</summary>
    internal const string FileScratchSuffix = ".files";

    private string GcLockPath => Path(OwnPath, "gc.lock");

    /// <summary>
    /// The store root: <paramref name="root"/>, else $IBUILD_ROOT, else /var/lib/ibuild for root and,
    /// for a <paramref name="rootless"/> user, $XDG_DATA_HOME/ibuild (~/.local/share/ibuild), as Podman's.
    /// </summary>
    public static string DefaultRoot(string? root, bool rootless = false) => DefaultRoot(root, rootless, Environment.GetEnvironmentVariable);

    /// <summary>The same, with <paramref name="environment"/> reading the variables.</summary>
    internal static string DefaultRoot(string? root, bool rootless, Func<string, string?> environment)
    {
        if (root is not null)
        {
            return root;
        }

        if (environment("IBUILD_ROOT") is { Length: > 0 } env)
        {
            return env;
        }

        if (!rootless)
        {
            return "/var/lib/ibuild";
        }

        // The XDG base directory spec: a relative path in the variable is invalid and ignored.
        var dataHome = environment("XDG_DATA_HOME");
        return dataHome is { Length: > 0 } && System.IO.Path.IsPathRooted(dataHome)
            ? System.IO.Path.Combine(dataHome, "ibuild")
            : System.IO.Path.Combine(environment("HOME") ?? "/", ".local", "share", "ibuild");
    }

    /// <summary>Opens the store at <paramref name="root"/>, creating the layout when missing.</summary>
    /// <param name="fileSystem">Where the store is.</param>
    /// <param name="root">The store's directory.</param>
    /// <param name="treeReader">Reads snapshots, to make layer blobs that were not written yet (<see cref="LazyBlobRecord"/>).</param>
    /// <param name="syncDirectory">fsync of a directory, so that what is renamed into it survives a crash.</param>
    /// <param name="spreadTrees">Asks the file system to place each tree made in the given directory (the scratch area) on its own.</param>
    public static ContentStore Open(
        IFileSystem fileSystem, string root, IFileTreeReader? treeReader = null, Action<string>? syncDirectory = null, Action<string>? spreadTrees = null)
    {
        var store = new ContentStore(fileSystem, fileSystem.Path.GetFullPath(root), treeReader, syncDirectory);
        var fs = fileSystem;
        if (!fs.Directory.Exists(store.Root))
        {
            // Private to its owner, as Docker's and Podman's stores: snapshots keep the images'
            // setuid files, which no other local user may reach (root's or the rootless user's).
            // Modes exist on the real file system only (the mock one has none); the directory is
            // empty until its mode is set.
            fs.Directory.CreateDirectory(store.Root);
            if (fs is FileSystem)
            {
                File.SetUnixFileMode(store.Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        fs.Directory.CreateDirectory(Path(store.BlobsPath, "sha256"));
        fs.Directory.CreateDirectory(store.SnapshotsPath);
        fs.Directory.CreateDirectory(store.TemporaryPath);
        spreadTrees?.Invoke(store.TemporaryPath);
        var layout = Path(store.Root, "oci-layout");
        if (!fs.File.Exists(layout))
        {
            store.WriteFileAtomically(layout, "{\"imageLayoutVersion\":\"1.0.0\"}"u8.ToArray());
        }

        if (!fs.File.Exists(store.IndexPath))
        {
            store.WriteFileAtomically(store.IndexPath, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}"u8.ToArray());
        }

        return store;
    }

    /// <summary>
    /// Records which ibuild owns the store the first time it is opened (<c>root</c>, or a user
    /// namespace's id maps for rootless ibuild) and refuses any other: root and a rootless user
    /// see the same files with other owners, and overlayfs marks (trusted.overlay.* and
    /// user.overlay.*) only for one of them, so a shared store would quietly go wrong.
    /// </summary>
    /// <exception cref="StoreException">The store belongs to another kind of ibuild.</exception>
    public void ClaimOwner(string owner)
    {
        var path = OwnerPath(Root);
        if (!FileSystem.File.Exists(path))
        {
            WriteFileAtomically(path, System.Text.Encoding.UTF8.GetBytes(owner + "\n"));
            return;
        }

        var recorded = FileSystem.File.ReadAllText(path).Trim();
        if (recorded != owner)
        {
            throw new StoreException(
                StoreError.WrongOwner,
                $"the store {Root} belongs to ibuild as {recorded}, not to this ibuild ({owner}): file owners and overlay marks differ between them; use another --root");
        }
    }

    /// <summary>The owner <see cref="ClaimOwner"/> recorded in the store at <paramref name="root"/>; null when there is none (no store yet), without creating anything.</summary>
    public static string? RecordedOwner(IFileSystem fileSystem, string root)
    {
        var path = OwnerPath(fileSystem.Path.GetFullPath(root));
        return fileSystem.File.Exists(path) ? fileSystem.File.ReadAllText(path).Trim() : null;
    }

    private static string OwnerPath(string root) => Path(root, "ibuild", "owner");

    /// <summary>Takes the store's write lock (waits for other ibuild processes).</summary>
    public StoreLock Lock() => StoreLock.Acquire(FileSystem, Path(OwnPath, "lock"), LockTimeout);

    /// <summary>
    /// Held (shared) by anything that adds content to the store, from its first blob until
    /// its image is tagged, so that <see cref="Prune"/> (which takes it exclusively) never
    /// deletes blobs that a running import or build is about to reference.
    /// </summary>
    public StoreLock ProtectNewContent() => StoreLock.Acquire(FileSystem, GcLockPath, LockTimeout, shared: true);

    /// <summary>
    /// gc.lock held exclusively: waits until no import, pull, build or run holds it (they hold it
    /// shared) and keeps new ones waiting. Prune and <c>fsck --repair</c> delete content under it.
    /// </summary>
    public StoreLock ExcludeWriters() => StoreLock.Acquire(FileSystem, GcLockPath, LockTimeout, shared: false);

    public string BlobPath(Digest digest) => Path(BlobsPath, digest.Algorithm, digest.Encoded);

    /// <summary>Whether the blob is in the store: written, or a layer that can be made from its snapshot (<see cref="LazyBlobRecord"/>).</summary>
    public bool HasBlob(Digest digest) =>
        HasBlobFile(digest) || (FindLazyBlob(digest) is { } lazy && HasSnapshot(lazy.Snapshot));

    public long BlobSize(Digest digest)
    {
        if (HasBlobFile(digest))
        {
            return FileSystem.FileInfo.New(BlobPath(digest)).Length;
        }

        if (FindLazyBlob(digest) is { } lazy && HasSnapshot(lazy.Snapshot))
        {
            return lazy.Size;
        }

        // Another process may have written it and removed its record meanwhile.
        return HasBlobFile(digest) ? FileSystem.FileInfo.New(BlobPath(digest)).Length : throw BlobMissing(digest);
    }

    /// <summary>The blob's bytes; a layer that was not written yet is written first, from its snapshot, and kept.</summary>
    /// <exception cref="StoreException">BlobNotFound; DigestMismatch when a layer's snapshot no longer packs to it.</exception>
    public Stream OpenBlob(Digest digest)
    {
        try
        {
            return FileSystem.File.OpenRead(BlobPath(digest));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // Made here, or by another process that has just removed the record.
            if (!TryMakeBlob(digest) && !HasBlobFile(digest))
            {
                throw BlobMissing(digest);
            }
        }

        return FileSystem.File.OpenRead(BlobPath(digest));
    }

    public byte[] ReadBlob(Digest digest)
    {
        using var stream = OpenBlob(digest);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>Stores <paramref name="content"/> as a sha256 blob; returns its digest and size.</summary>
    /// <exception cref="StoreException">DigestMismatch when <paramref name="expected"/> is given and differs.</exception>
    public async Task<(Digest Digest, long Size)> WriteBlobAsync(Stream content, Digest? expected, CancellationToken cancellationToken)
    {
        await using var writer = BeginBlob();
        await content.CopyToAsync(writer.Stream, cancellationToken);
        return writer.Commit(expected);
    }

    public Digest WriteBlob(ReadOnlySpan<byte> content)
    {
        using var writer = BeginBlob();
        writer.Stream.Write(content);
        return writer.Commit(null).Digest;
    }

    /// <summary>Starts a blob whose digest is known only at the end: write to <see cref="BlobWriter.Stream"/>, then commit.</summary>
    public BlobWriter BeginBlob() => new(this);

    public IEnumerable<Digest> ListBlobs()
    {
        var dir = Path(BlobsPath, "sha256");
        foreach (var file in FileSystem.Directory.EnumerateFiles(dir))
        {
            if (Digest.TryParse("sha256:" + FileSystem.Path.GetFileName(file), out var digest))
            {
                yield return digest;
            }
        }
    }

    /// <summary>Removes a blob, written or lazy.</summary>
    public void DeleteBlob(Digest digest)
    {
        DeleteTree(LazyBlobPath(digest));
        FileSystem.File.Delete(BlobPath(digest));
    }

    /// <summary>
    /// A fresh path for a directory in the store's scratch area, named for this process. Unique, not secret
    /// (only the store's owner can write there, and files are made with CreateNew): so not
    /// RandomNumberGenerator, whose first use starts OpenSSL (4–5 ms).
    /// </summary>
    internal string NewTemporaryPath() =>
        Path(TemporaryPath, $"{Environment.ProcessId}-{(ulong)Random.Shared.NextInt64():x16}");

    /// <summary>
    /// A fresh path for a file written before it is renamed into place (a blob, a record), in this
    /// store object's own directory of scratch (<see cref="FileScratchSuffix"/>, named at random,
    /// made again if a clean-up removed it). Why not scratch itself: on ext4 without a journal a new
    /// file's inode is taken in its directory's block group, past every inode deleted there in the
    /// last minute, each read from disk; scratch lies in the group of the store deleted just before
    /// it (bench.py's reset), and a push's 170 files then cost 60 ms of CPU (perf: ext4_create →
    /// recently_deleted). A new directory in scratch, which carries FS_TOPDIR_FL
    /// (<see cref="Open"/>'s spreadTrees), goes to a group its name picks.
    /// </summary>
    /// <summary>
    /// A new file of <see cref="NewTemporaryFilePath"/>, open for writing; tried again (the
    /// directory made again) when another process's clean-up removed the directory meanwhile
    /// (scratch is cleared while no writer holds gc.lock).
    /// </summary>
    internal FileSystemStream CreateTemporaryFile(out string path, int bufferSize = 4096)
    {
        for (var attempt = 0; ; attempt++)
        {
            path = NewTemporaryFilePath();
            try
            {
                return FileSystem.FileStream.New(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize);
            }
            catch (DirectoryNotFoundException) when (attempt < 3)
            {
            }
        }
    }

    internal string NewTemporaryFilePath()
    {
        var directory = Path(TemporaryPath, fileScratchName);
        FileSystem.Directory.CreateDirectory(directory);
        if (FileSystem is FileSystem && Interlocked.Exchange(ref fileScratchMade, 1) == 0)
        {
            // Removed, when empty, as the process ends (a later clean-up takes it otherwise).
            AppDomain.CurrentDomain.ProcessExit += (_, _) => RemoveIfEmpty(directory);
        }

        return Path(directory, $"{(ulong)Random.Shared.NextInt64():x16}");
    }

    private static void RemoveIfEmpty(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not empty, or gone already: a later clean-up (or nothing) is needed.
        }
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="content"/> atomically and durably (file, then rename, then directory).</summary>
    internal void WriteFileAtomically(string path, byte[] content)
    {
        var temp = WriteTemporaryFile(content, durable: true);
        FileSystem.File.Move(temp, path, overwrite: true);
        SyncDirectory(FileSystem.Path.GetDirectoryName(path)!);
    }

    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="content"/> atomically, but not durably:
    /// for hints (where a blob was pushed, what a layer converts to, a blob's diff id), which a
    /// power loss may take back or leave empty, and which then are simply not known. Each names
    /// blobs, which are durable before it is written, and is checked against them when read.
    /// </summary>
    internal void WriteHintAtomically(string path, byte[] content)
    {
        FileSystem.File.Move(WriteTemporaryFile(content, durable: false), path, overwrite: true);
    }

    private string WriteTemporaryFile(byte[] content, bool durable)
    {
        using var stream = CreateTemporaryFile(out var temp);
        stream.Write(content);
        if (durable)
        {
            using var durability = Tracing.BuildTrace.Durability("fsync");
            stream.Flush(flushToDisk: true);
        }

        return temp;
    }

    /// <summary>Makes the entries of <paramref name="directory"/> durable (fsync): a rename into it survives a crash.</summary>
    internal void SyncDirectory(string directory)
    {
        using var durability = Tracing.BuildTrace.Durability("fsync dir");
        syncDirectory(directory);
    }

    private static StoreException BlobMissing(Digest digest) =>
        new(StoreError.BlobNotFound, $"blob {digest} is not in the store");

    private static string Path(params string[] parts) => System.IO.Path.Combine(parts);
}
