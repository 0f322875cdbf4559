using ImageBuilder.Core.References;

namespace ImageBuilder.Planning;

/// <summary>
/// A named build context (<c>--build-context NAME=VALUE</c>, as buildx): what <c>FROM NAME</c>,
/// <c>COPY --from=NAME</c> and <c>RUN --mount=from=NAME</c> use instead of a stage or an image of
/// that name. <see cref="Name"/> is normalized (<see cref="ContextNames.Normalize"/>).
/// </summary>
public abstract record NamedContext(string Name)
{
    /// <summary>How progress and messages show the value (<c>docker-image://busybox</c>, a directory).</summary>
    public abstract string Display { get; }
}

/// <summary>A local directory, read like the build context (its own <c>.dockerignore</c>, hashed for the cache).</summary>
public sealed record DirectoryContext(string Name, string Directory) : NamedContext(Name)
{
    public override string Display => Directory;
}

/// <summary>
/// An image: <paramref name="Reference"/> is what the planner asks its <see cref="IImageSource"/>
/// for (<c>busybox:1.36</c> for <c>docker-image://</c>; the <c>oci-layout://</c> value itself,
/// which the application's source reads from the layout).
/// </summary>
public sealed record ImageContext(string Name, string Reference, string Value) : NamedContext(Name)
{
    public override string Display => Value;
}

/// <summary>The names of named contexts, as BuildKit compares them.</summary>
public static class ContextNames
{
    /// <summary>
    /// The name as BuildKit keys a context: an image reference in its familiar form without
    /// <c>:latest</c> (<c>docker.io/library/alpine:latest</c> → <c>alpine</c>; <c>alpine:3.18</c>
    /// stays). Null when the name is not a valid reference (upper case, a bad tag, empty).
    /// </summary>
    public static string? Normalize(string name, out string error)
    {
        if (!ImageReference.TryParse(name, out var reference, out error))
        {
            return null;
        }

        var familiar = reference.ToFamiliarString();
        return familiar.EndsWith(":latest", StringComparison.Ordinal) ? familiar[..^":latest".Length] : familiar;
    }

    /// <summary>Names BuildKit never looks up as a named context: <c>scratch</c> and the main <c>context</c>.</summary>
    public static bool IsReserved(string name) =>
        string.Equals(name, "scratch", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "context", StringComparison.OrdinalIgnoreCase);
}
