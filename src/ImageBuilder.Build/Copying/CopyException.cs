namespace ImageBuilder.Build.Copying;

/// <summary>A COPY or ADD that cannot be done as written (a missing source, a file where a directory
/// must be, a bad --chmod), with a message worded as BuildKit words it.</summary>
public sealed class CopyException(string message, Exception? inner = null) : Exception(message, inner);
