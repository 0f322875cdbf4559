using System.Text;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;

namespace ImageBuilder.Application.Provenance;

/// <summary>
/// Image references as package URLs (<c>pkg:docker/NAMESPACE/NAME@TAG?digest=…&amp;platform=…</c>), the
/// form BuildKit gives provenance subjects and image dependencies: the familiar name split at its
/// last slash, the tag as version (latest when none), qualifiers sorted, each part escaped as Go's
/// <c>url.PathEscape</c> escapes a path segment.
/// </summary>
public static class PackageUrl
{
    public static string ForImage(ImageReference reference, Platform? platform)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var name = reference.FamiliarName;
        var slash = name.LastIndexOf('/');
        var text = new StringBuilder("pkg:docker/");
        if (slash > 0)
        {
            text.AppendJoin('/', name[..slash].Split('/').Select(Escape)).Append('/');
        }

        text.Append(Escape(name[(slash + 1)..]));
        if (reference.Tag is { } tag || reference.Digest is null)
        {
            text.Append('@').Append(Escape(reference.Tag ?? ImageReference.DefaultTag));
        }

        var qualifiers = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (reference.Digest is { } digest)
        {
            qualifiers["digest"] = digest.ToString();
        }

        if (platform is not null)
        {
            qualifiers["platform"] = platform.ToString();
        }

        if (qualifiers.Count > 0)
        {
            text.Append('?').AppendJoin('&', qualifiers.Select(q => $"{q.Key}={Escape(q.Value)}"));
        }

        return text.ToString();
    }

    /// <summary>Go's path-segment escaping: unreserved characters and <c>$&amp;+:=@</c> stay, every other byte is %XX.</summary>
    private static string Escape(string segment)
    {
        var text = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(segment))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' or '$' or '&' or '+' or ':' or '=' or '@')
            {
                text.Append(c);
            }
            else
            {
                text.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }
}
