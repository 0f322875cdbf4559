namespace ImageBuilder.Core.Layers;

/// <summary>
/// Overlayfs keeps its own state in <c>trusted.overlay.*</c> (<c>user.overlay.*</c> on userxattr
/// mounts): opaque, redirect, metacopy, origin. A tree entry never carries those: an archive must
/// not smuggle them in (opaque directories come only from ".wh..wh..opq" markers), and a copy
/// never takes them from its source.
/// </summary>
public static class OverlayAttributes
{
    /// <summary>Whether <paramref name="name"/> is one of overlayfs' own attributes.</summary>
    public static bool IsOverlays(string name) =>
        name.StartsWith("trusted.overlay.", StringComparison.Ordinal) || name.StartsWith("user.overlay.", StringComparison.Ordinal);

    /// <summary><paramref name="attributes"/> without overlayfs' own (the same object when it holds none).</summary>
    public static IReadOnlyDictionary<string, byte[]> Without(IReadOnlyDictionary<string, byte[]> attributes) =>
        attributes.Keys.Any(IsOverlays)
            ? attributes.Where(a => !IsOverlays(a.Key)).ToDictionary(StringComparer.Ordinal)
            : attributes;
}
