using System.Security.Cryptography;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace ImageBuilder.Core.Oci;

/// <summary>
/// A content digest, <c>algorithm:encoded</c>, validated as the OCI image spec says:
/// the grammar for any algorithm, and for the registered ones (sha256, sha512) the
/// exact length of lower-case hex. In JSON it is the string <c>algorithm:encoded</c>.
/// </summary>
[JsonConverter(typeof(DigestJsonConverter))]
public readonly partial record struct Digest
{
    private Digest(string algorithm, string encoded)
    {
        Algorithm = algorithm;
        Encoded = encoded;
    }

    public string Algorithm { get; }

    public string Encoded { get; }

    /// <summary>True for <c>default(Digest)</c>, which names no content.</summary>
    public bool IsEmpty => Algorithm is null;

    [GeneratedRegex(@"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex Grammar();

    [GeneratedRegex(@"^[a-f0-9]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex LowerHex();

    public static Digest Parse(string text) =>
        TryParse(text, out var digest) ? digest : throw new FormatException($"invalid digest \"{text}\"");

    public static bool TryParse(string? text, out Digest digest)
    {
        digest = default;
        if (text is null || !Grammar().IsMatch(text))
        {
            return false;
        }

        var colon = text.IndexOf(':');
        var algorithm = text[..colon];
        var encoded = text[(colon + 1)..];
        var expectedLength = algorithm switch
        {
            "sha256" => 64,
            "sha512" => 128,
            _ => 0,
        };
        if (expectedLength > 0 && (encoded.Length != expectedLength || !LowerHex().IsMatch(encoded)))
        {
            return false;
        }

        digest = new Digest(algorithm, encoded);
        return true;
    }

    /// <summary>The sha256 digest of <paramref name="data"/>.</summary>
    public static Digest Sha256(ReadOnlySpan<byte> data) =>
        new("sha256", Convert.ToHexStringLower(Hashing.Sha256.Hash(data)));

    /// <summary>The sha256 digest of everything <paramref name="content"/> has left to read.</summary>
    public static async Task<Digest> Sha256Async(Stream content, CancellationToken cancellationToken) =>
        new("sha256", Convert.ToHexStringLower(await SHA256.HashDataAsync(content, cancellationToken).ConfigureAwait(false)));

    public override string ToString() => IsEmpty ? "" : $"{Algorithm}:{Encoded}";
}
