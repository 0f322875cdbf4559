namespace ImageBuilder.Build.Copying;

/// <summary>Why a COPY or ADD could not be done; each reason has its own error code.</summary>
public enum CopyFailure
{
    /// <summary>IB2005: the copy cannot be done as written (a missing source, a file where a directory must be, a bad --chmod).</summary>
    CannotCopy,

    /// <summary>
    /// IB2010: a source ibuild refuses as unsafe or malformed (an archive entry or hard link that
    /// leads outside the destination or to nothing, a path longer than Linux allows, a symlink
    /// loop, a redirect to a URL that is not http(s)).
    /// </summary>
    Refused,
}

/// <summary>A COPY or ADD that cannot be done as written, or whose source is refused (see
/// <see cref="Reason"/>), with a message that names the source or entry and, for BuildKit's
/// errors, is worded as BuildKit words it.</summary>
public sealed class CopyException(string message, Exception? inner = null, CopyFailure reason = CopyFailure.CannotCopy)
    : Exception(message, inner)
{
    public CopyFailure Reason { get; } = reason;

    /// <summary>A source refused as unsafe or malformed.</summary>
    public static CopyException Refused(string message, Exception? inner = null) => new(message, inner, CopyFailure.Refused);
}
