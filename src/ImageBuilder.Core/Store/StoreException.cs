namespace ImageBuilder.Core.Store;

/// <summary>Why a store operation failed.</summary>
public enum StoreError
{
    /// <summary>No image with that name, tag or id.</summary>
    ImageNotFound,

    /// <summary>A blob the store should hold is missing.</summary>
    BlobNotFound,

    /// <summary>Content did not match the digest it was said to have.</summary>
    DigestMismatch,

    /// <summary>A short id or name matches more than one image.</summary>
    Ambiguous,

    /// <summary>Another ibuild held the store lock too long.</summary>
    LockTimeout,

    /// <summary>Something in the store is not what the format says (a damaged index.json, say).</summary>
    Corrupt,

    /// <summary>An input (archive, tarball, reference) is not usable.</summary>
    InvalidInput,

    /// <summary>The store belongs to the other kind of ibuild (root, or rootless with other ids).</summary>
    WrongOwner,
}

/// <summary>A store operation failed for a reason the user can act on.</summary>
public sealed class StoreException(StoreError reason, string message, Exception? inner = null) : Exception(message, inner)
{
    public StoreError Reason { get; } = reason;
}
