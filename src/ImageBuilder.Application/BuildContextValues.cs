using ImageBuilder.Core.Archives;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Planning;

namespace ImageBuilder.Application;

/// <summary>
/// <c>--build-context NAME=VALUE</c> read as buildx reads it: NAME normalized as an image reference
/// (<see cref="ContextNames.Normalize"/>); VALUE a directory (relative to the current directory),
/// <c>docker-image://REF</c>, or <c>oci-layout://PATH[:TAG][@DIGEST]</c> whose image is picked now
/// (by digest, by tag — <c>latest</c> when none is given —, or the layout's only image), as buildx does
/// before the build starts.
/// </summary>
public static class BuildContextValues
{
    public const string DockerImageScheme = "docker-image://";
    public const string OciLayoutScheme = "oci-layout://";

    /// <summary>Every <c>--build-context</c> value by its normalized name (a name given twice: the last wins, as in buildx).</summary>
    /// <exception cref="BuildContextValueException">A value that is not valid, or names what is not there.</exception>
    public static IReadOnlyDictionary<string, NamedContext> ParseAll(IEnumerable<string> specs, string currentDirectory)
    {
        var contexts = new Dictionary<string, NamedContext>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            var context = Parse(spec, currentDirectory);
            contexts[context.Name] = context;
        }

        return contexts;
    }

    /// <exception cref="BuildContextValueException">A value that is not valid, or names what is not there.</exception>
    public static NamedContext Parse(string spec, string currentDirectory)
    {
        var eq = spec.IndexOf('=');
        if (eq < 0)
        {
            throw new BuildContextValueException($"--build-context {spec}: expected NAME=VALUE");
        }

        var (written, value) = (spec[..eq], spec[(eq + 1)..]);
        if (ContextNames.Normalize(written, out var error) is not { } name)
        {
            throw new BuildContextValueException(
                $"--build-context {spec}: \"{written}\" is not a valid context name ({error}); a name is a stage name or an image name such as alpine:3.18, in lower case");
        }

        if (ContextNames.IsReserved(name))
        {
            throw new BuildContextValueException($"--build-context {spec}: a context named \"{name}\" would never be used (FROM {name} and the main context are not named contexts)");
        }

        if (value.Length == 0)
        {
            throw new BuildContextValueException($"--build-context {spec}: the value is empty; give a directory, docker-image://REF or oci-layout://PATH[:TAG]");
        }

        if (value.StartsWith(DockerImageScheme, StringComparison.Ordinal))
        {
            var reference = value[DockerImageScheme.Length..];
            return ImageReference.TryParse(reference, out _, out var refError)
                ? new ImageContext(name, reference, value)
                : throw new BuildContextValueException($"--build-context {spec}: \"{reference}\" is not an image reference ({refError})");
        }

        if (value.StartsWith(OciLayoutScheme, StringComparison.Ordinal))
        {
            return OciLayout(spec, name, value, currentDirectory);
        }

        if (Scheme(value) is { } scheme)
        {
            throw new BuildContextValueException(
                $"--build-context {spec}: unsupported context source \"{scheme}\"; ibuild takes a directory, docker-image://REF or oci-layout://PATH[:TAG|@DIGEST]");
        }

        var directory = Path.GetFullPath(value, currentDirectory);
        return Directory.Exists(directory)
            ? new DirectoryContext(name, directory)
            : throw new BuildContextValueException($"--build-context {spec}: {value} is not a directory");
    }

    /// <summary>The scheme of a URL-like value (<c>git</c>, <c>https</c>, <c>git@…</c> as git), or null for a path.</summary>
    private static string? Scheme(string value)
    {
        if (value.StartsWith("git@", StringComparison.Ordinal))
        {
            return "git";
        }

        var sep = value.IndexOf("://", StringComparison.Ordinal);
        return sep > 0 && value[..sep].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.') ? value[..sep] : null;
    }

    /// <summary>oci-layout://PATH[:TAG][@DIGEST], as buildx cuts it: at the first '@', then the first ':'.</summary>
    private static ImageContext OciLayout(string spec, string name, string value, string currentDirectory)
    {
        var rest = value[OciLayoutScheme.Length..];
        Digest? digest = null;
        if (rest.IndexOf('@') is var at and >= 0)
        {
            digest = Digest.TryParse(rest[(at + 1)..], out var parsed) ? parsed
                : throw new BuildContextValueException($"--build-context {spec}: \"{rest[(at + 1)..]}\" is not a digest (sha256:…)");
            rest = rest[..at];
        }

        var colon = rest.IndexOf(':');
        var (path, tag) = colon < 0 ? (rest, "latest") : (rest[..colon], rest[(colon + 1)..]);
        var root = Path.GetFullPath(path.Length == 0 ? "." : path, currentDirectory);
        if (!Directory.Exists(root))
        {
            throw new BuildContextValueException($"--build-context {spec}: {path} is not a directory (an OCI image layout)");
        }

        try
        {
            var entry = ImageLoader.FindInLayout(root, tag, digest);
            return new ImageContext(name, OciLayoutReference(root, entry.Digest), value);
        }
        catch (ArchiveFormatException e)
        {
            throw new BuildContextValueException($"--build-context {spec}: {e.Message}");
        }
    }

    /// <summary>The reference the build's image source reads from a layout: <c>oci-layout://ROOT@DIGEST</c>.</summary>
    internal static string OciLayoutReference(string root, Digest digest) => $"{OciLayoutScheme}{root}@{digest}";
}

/// <summary>A <c>--build-context</c> value that is not valid, or names a directory, layout or image that is not there.</summary>
public sealed class BuildContextValueException(string message) : Exception(message);
