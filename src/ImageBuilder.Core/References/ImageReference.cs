using System.Text.RegularExpressions;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.References;

/// <summary>
/// An image reference parsed the way docker does: <c>alpine</c> is
/// <c>docker.io/library/alpine:latest</c>; <c>host:5000/a/b:tag</c>, <c>localhost/x</c> and
/// <c>name@sha256:…</c> name other registries and digests.
/// </summary>
public sealed partial record ImageReference
{
    public const string DefaultRegistry = "docker.io";
    public const string DefaultTag = "latest";

    private ImageReference(string registry, string repository, string? tag, Digest? digest)
    {
        Registry = registry;
        Repository = repository;
        Tag = tag;
        Digest = digest;
    }

    /// <summary>The registry host (and port): <c>docker.io</c>, <c>localhost:5000</c>.</summary>
    public string Registry { get; }

    /// <summary>The repository path within the registry: <c>library/alpine</c>.</summary>
    public string Repository { get; }

    /// <summary>The tag; <c>latest</c> when neither a tag nor a digest was given.</summary>
    public string? Tag { get; }

    public Digest? Digest { get; }

    /// <summary>The full name without tag or digest: <c>docker.io/library/alpine</c>.</summary>
    public string Name => $"{Registry}/{Repository}";

    // Components as docker's reference grammar defines them.
    [GeneratedRegex(@"^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex PathPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex HostPattern();

    public static ImageReference Parse(string text) =>
        TryParse(text, out var reference, out var error) ? reference : throw new FormatException(error);

    public static bool TryParse(string text, out ImageReference reference, out string error)
    {
        reference = null!;
        error = "";
        if (string.IsNullOrEmpty(text) || text.Length > 4096)
        {
            error = "invalid reference format: empty or too long";
            return false;
        }

        Digest? digest = null;
        var rest = text;
        var at = rest.IndexOf('@');
        if (at >= 0)
        {
            if (!Oci.Digest.TryParse(rest[(at + 1)..], out var d))
            {
                error = $"invalid reference format: bad digest in \"{text}\"";
                return false;
            }

            digest = d;
            rest = rest[..at];
        }

        string? tag = null;
        var colon = rest.LastIndexOf(':');
        if (colon > rest.LastIndexOf('/'))
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
            if (!TagPattern().IsMatch(tag))
            {
                error = $"invalid reference format: bad tag \"{tag}\"";
                return false;
            }
        }

        var registry = DefaultRegistry;
        var slash = rest.IndexOf('/');
        if (slash > 0)
        {
            var first = rest[..slash];
            if (first.Contains('.') || first.Contains(':') || first == "localhost" || first.Any(char.IsAsciiLetterUpper))
            {
                registry = first;
                rest = rest[(slash + 1)..];
                if (!HostPattern().IsMatch(registry))
                {
                    error = $"invalid reference format: bad registry \"{registry}\"";
                    return false;
                }
            }
        }

        if (registry == "index.docker.io")
        {
            registry = DefaultRegistry;
        }

        if (registry == DefaultRegistry && !rest.Contains('/'))
        {
            rest = "library/" + rest;
        }

        if (rest.Length == 64 && rest.All(char.IsAsciiHexDigitLower))
        {
            error = $"invalid repository name ({rest}), cannot specify 64-byte hexadecimal strings";
            return false;
        }

        if (!PathPattern().IsMatch(rest))
        {
            error = rest.Any(char.IsAsciiLetterUpper)
                ? $"invalid reference format: repository name \"{rest}\" must be lowercase"
                : $"invalid reference format: \"{text}\"";
            return false;
        }

        reference = new ImageReference(registry, rest, tag ?? (digest is null ? DefaultTag : null), digest);
        return true;
    }

    /// <summary>The canonical form: <c>docker.io/library/alpine:latest</c>, with <c>@digest</c> when pinned.</summary>
    public override string ToString() =>
        Name + (Tag is null ? "" : ":" + Tag) + (Digest is { } d ? "@" + d : "");

    /// <summary>The name docker prints in its REPOSITORY column: <c>alpine</c>, <c>localhost:5000/app</c>.</summary>
    public string FamiliarName =>
        Registry != DefaultRegistry ? Name
        : Repository.StartsWith("library/", StringComparison.Ordinal) ? Repository["library/".Length..]
        : Repository;

    /// <summary>The short form docker prints: <c>alpine:latest</c>, <c>localhost:5000/app:1</c>.</summary>
    public string ToFamiliarString() =>
        FamiliarName + (Tag is null ? "" : ":" + Tag) + (Digest is { } d ? "@" + d : "");

    /// <summary>The same name with another tag (and no digest).</summary>
    public ImageReference WithTag(string tag) => new(Registry, Repository, tag, null);
}
