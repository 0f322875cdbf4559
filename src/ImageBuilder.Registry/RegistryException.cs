namespace ImageBuilder.Registry;

/// <summary>Why a registry operation failed.</summary>
public enum RegistryErrorReason
{
    /// <summary>The registry wants credentials, or refused the ones sent (HTTP 401, UNAUTHORIZED).</summary>
    Unauthorized,

    /// <summary>The credentials are valid but may not do this (HTTP 403, DENIED).</summary>
    Denied,

    /// <summary>The repository is not known to the registry (NAME_UNKNOWN).</summary>
    NameUnknown,

    /// <summary>The repository name is not valid (NAME_INVALID).</summary>
    NameInvalid,

    /// <summary>No manifest with that tag or digest (MANIFEST_UNKNOWN, or 404 on a manifest).</summary>
    ManifestUnknown,

    /// <summary>The registry refused a manifest (MANIFEST_INVALID, MANIFEST_BLOB_UNKNOWN, …).</summary>
    ManifestInvalid,

    /// <summary>No blob with that digest (BLOB_UNKNOWN, or 404 on a blob).</summary>
    BlobUnknown,

    /// <summary>The registry refused an upload (BLOB_UPLOAD_INVALID, BLOB_UPLOAD_UNKNOWN, SIZE_INVALID).</summary>
    UploadInvalid,

    /// <summary>Content did not match its digest (here or at the registry: DIGEST_INVALID).</summary>
    DigestMismatch,

    /// <summary>An index lists no manifest for the platform asked for.</summary>
    PlatformNotFound,

    /// <summary>The registry kept answering 429 (TOOMANYREQUESTS) after every retry.</summary>
    TooManyRequests,

    /// <summary>The registry does not support the operation (UNSUPPORTED, 405).</summary>
    Unsupported,

    /// <summary>The registry's certificate was not trusted, or the TLS handshake failed.</summary>
    Tls,

    /// <summary>The registry could not be reached, or kept failing (network errors, 5xx) after every retry.</summary>
    Network,

    /// <summary>The registry answered something the distribution spec does not allow.</summary>
    Protocol,
}

/// <summary>A registry operation failed; <see cref="Exception.Message"/> is one line meant for the user.</summary>
public sealed class RegistryException(RegistryErrorReason reason, string message, Exception? inner = null) : Exception(message, inner)
{
    public RegistryErrorReason Reason { get; } = reason;

    /// <summary>The HTTP status of the answer that failed, when there was one.</summary>
    public int? StatusCode { get; init; }

    /// <summary>The first code of the registry's <c>errors</c> array (<c>MANIFEST_UNKNOWN</c>, …), when it sent one.</summary>
    public string? ErrorCode { get; init; }
}
