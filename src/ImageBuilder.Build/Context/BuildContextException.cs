namespace ImageBuilder.Build.Context;

/// <summary>A COPY/ADD source the build context cannot provide, worded as BuildKit words it
/// (<c>"/missing.txt": not found</c>).</summary>
public sealed class BuildContextException(string message, Exception? inner = null) : Exception(message, inner);
