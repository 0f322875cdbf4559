using ImageBuilder.Build.Copying;

namespace ImageBuilder.Build.Context;

/// <summary>A COPY/ADD source the build context cannot provide, worded as BuildKit words it
/// (<c>"/missing.txt": not found</c>), or one it refuses (a symlink loop, a path longer than
/// Linux allows; <see cref="Reason"/> is then <see cref="CopyFailure.Refused"/>).</summary>
public sealed class BuildContextException(string message, Exception? inner = null, CopyFailure reason = CopyFailure.CannotCopy)
    : Exception(message, inner)
{
    public CopyFailure Reason { get; } = reason;
}
