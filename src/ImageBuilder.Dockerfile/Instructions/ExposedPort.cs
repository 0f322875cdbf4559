using System.Globalization;

namespace ImageBuilder.Dockerfile.Instructions;

/// <summary>An EXPOSE entry: a port or port range and its protocol.</summary>
public readonly record struct ExposedPort(int Start, int End, string Protocol)
{
    /// <summary>
    /// Reads <c>80</c>, <c>80/udp</c>, <c>8000-8010/tcp</c>. Like docker, a host part
    /// (<c>127.0.0.1:8080:80</c>) is accepted and only the container port is kept.
    /// </summary>
    public static bool TryParse(string spec, out ExposedPort port)
    {
        port = default;
        var protocol = "tcp";
        var text = spec;
        var slash = text.LastIndexOf('/');
        if (slash >= 0)
        {
            protocol = text[(slash + 1)..].ToLowerInvariant();
            protocol = protocol.Length == 0 ? "tcp" : protocol;
            text = text[..slash];
            if (protocol is not ("tcp" or "udp" or "sctp"))
            {
                return false;
            }
        }

        var colon = text.LastIndexOf(':');
        if (colon >= 0)
        {
            text = text[(colon + 1)..];
        }

        var dash = text.IndexOf('-');
        var startText = dash >= 0 ? text[..dash] : text;
        var endText = dash >= 0 ? text[(dash + 1)..] : text;
        if (!TryPort(startText, out var start) || !TryPort(endText, out var end) || end < start)
        {
            return false;
        }

        port = new ExposedPort(start, end, protocol);
        return true;
    }

    private static bool TryPort(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value is >= 0 and <= 65535;

    public override string ToString() => (Start == End ? $"{Start}" : $"{Start}-{End}") + "/" + Protocol;
}
