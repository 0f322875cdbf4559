using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Registry;

public sealed partial class RegistryClient
{
    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\z", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex TagPattern();

    /// <summary>Manifests larger than this are refused (containerd's limit too).</summary>
    internal const int MaxManifestSize = 4 * 1024 * 1024;

    private static readonly string[] ManifestMediaTypes =
        [MediaTypes.OciManifest, MediaTypes.OciIndex, MediaTypes.DockerManifest, MediaTypes.DockerManifestList];

    /// <summary>
    /// <c>GET /v2/NAME/manifests/REFERENCE</c> (a tag or a digest), accepting OCI manifests and
    /// indexes and Docker schema 2 manifests and lists. The digest is computed from the bytes;
    /// fetched by digest, the bytes must match it.
    /// </summary>
    public async Task<RegistryManifest> GetManifestAsync(string repository, string reference, CancellationToken cancellationToken = default)
    {
        var operation = $"pull {Registry}/{repository}{Separator(reference)}{reference}";
        using var response = await SendAsync(HttpMethod.Get, $"{RepositoryPath(repository)}/manifests/{ReferencePath(reference)}",
            RegistryScope.Pull(repository), null, "manifest", cancellationToken, AcceptManifests);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw await ErrorAsync(response, operation, RegistryErrorReason.ManifestUnknown, cancellationToken);
        }

        if (response.Content.Headers.ContentLength > MaxManifestSize)
        {
            throw new RegistryException(RegistryErrorReason.Protocol, $"{operation}: the manifest is larger than {MaxManifestSize} bytes");
        }

        byte[] content;
        try
        {
            content = await ReadBoundedAsync(response.Content, MaxManifestSize, cancellationToken);
        }
        catch (Exception e) when (RetryingSender.IsTransient(e, cancellationToken))
        {
            throw new RegistryException(RegistryErrorReason.Network, $"{operation}: {RetryingSender.Innermost(e).Message}", e);
        }

        var expected = Digest.TryParse(reference, out var byDigest) ? byDigest : (Digest?)null;
        var digest = DigestOf(content, expected?.Algorithm ?? "sha256", operation);
        if (expected is { } asked && digest != asked)
        {
            throw new RegistryException(RegistryErrorReason.DigestMismatch, $"{operation}: the registry sent a manifest whose digest is {digest}");
        }

        if (expected is null && HeaderDigest(response) is { Algorithm: "sha256" } announced && announced != digest)
        {
            throw new RegistryException(RegistryErrorReason.DigestMismatch,
                $"{operation}: the manifest's bytes have digest {digest}, the registry says {announced}");
        }

        return new RegistryManifest(content, MediaTypeOf(response, content, operation), digest);
    }

    /// <summary>
    /// <c>HEAD /v2/NAME/manifests/REFERENCE</c>: the manifest's descriptor, or null when the
    /// registry has none by that name. Takes the digest from <c>Docker-Content-Digest</c>, or
    /// fetches the manifest when the registry does not send it.
    /// </summary>
    public async Task<Descriptor?> HeadManifestAsync(string repository, string reference, CancellationToken cancellationToken = default)
    {
        var operation = $"check {Registry}/{repository}{Separator(reference)}{reference}";
        using var response = await SendAsync(HttpMethod.Head, $"{RepositoryPath(repository)}/manifests/{ReferencePath(reference)}",
            RegistryScope.Pull(repository), null, "manifest", cancellationToken, AcceptManifests);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw await ErrorAsync(response, operation, RegistryErrorReason.ManifestUnknown, cancellationToken);
        }

        var digest = HeaderDigest(response) ?? (Digest.TryParse(reference, out var byDigest) ? byDigest : (Digest?)null);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (digest is null || response.Content.Headers.ContentLength is null || !ManifestMediaTypes.Contains(mediaType))
        {
            return (await GetManifestAsync(repository, reference, cancellationToken)).Descriptor;
        }

        return new Descriptor { MediaType = mediaType!, Digest = digest.Value, Size = response.Content.Headers.ContentLength.Value };
    }

    /// <summary>
    /// <c>PUT /v2/NAME/manifests/REFERENCE</c> (a tag, or the manifest's own digest) with the bytes
    /// as given; returns their digest, checked against what the registry reports.
    /// </summary>
    public async Task<Digest> PushManifestAsync(string repository, string reference, ReadOnlyMemory<byte> content, string mediaType, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(mediaType);
        var operation = $"push {Registry}/{repository}{Separator(reference)}{reference}";
        var expected = Digest.TryParse(reference, out var byDigest) ? byDigest : (Digest?)null;
        var digest = DigestOf(content.Span, expected?.Algorithm ?? "sha256", operation);
        if (expected is { } asked && asked != digest)
        {
            throw new RegistryException(RegistryErrorReason.DigestMismatch, $"{operation}: the manifest's digest is {digest}");
        }

        var bytes = content.ToArray();
        using var response = await SendAsync(HttpMethod.Put, $"{RepositoryPath(repository)}/manifests/{ReferencePath(reference)}",
            RegistryScope.Push(repository), () =>
            {
                var body = new ByteArrayContent(bytes);
                body.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
                return body;
            }, "manifest", cancellationToken);
        if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK or HttpStatusCode.Accepted))
        {
            throw await ErrorAsync(response, operation, RegistryErrorReason.NameUnknown, cancellationToken);
        }

        if (HeaderDigest(response) is { } stored && stored.Algorithm == digest.Algorithm && stored != digest)
        {
            throw new RegistryException(RegistryErrorReason.DigestMismatch, $"{operation}: the registry stored digest {stored}, the bytes have {digest}");
        }

        return digest;
    }

    /// <summary><c>GET /v2/NAME/tags/list</c>, following <c>Link</c> pagination.</summary>
    public async Task<IReadOnlyList<string>> ListTagsAsync(string repository, CancellationToken cancellationToken = default)
    {
        var tags = new List<string>();
        var next = new Uri(await BaseUriAsync(cancellationToken), $"{RepositoryPath(repository)}/tags/list");
        for (var page = 0; page < 1000; page++)
        {
            using var response = await SendAsync(HttpMethod.Get, next, RegistryScope.Pull(repository), null, "tags", cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw await ErrorAsync(response, $"list tags of {Registry}/{repository}", RegistryErrorReason.NameUnknown, cancellationToken);
            }

            using var document = JsonDocument.Parse(await ReadBoundedAsync(response.Content, MaxManifestSize, cancellationToken));
            if (document.RootElement.TryGetProperty("tags", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                tags.AddRange(list.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!));
            }

            var link = response.Headers.NonValidated.TryGetValues("Link", out var links) ? links.FirstOrDefault() : null;
            var open = link?.IndexOf('<') ?? -1;
            var close = link?.IndexOf('>') ?? -1;
            if (link is null || open < 0 || close <= open)
            {
                return tags;
            }

            next = new Uri(next, link[(open + 1)..close]);
        }

        return tags;
    }

    private static void AcceptManifests(HttpRequestMessage request)
    {
        foreach (var mediaType in ManifestMediaTypes)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));
        }
    }

    private static string Separator(string reference) => Digest.TryParse(reference, out _) ? "@" : ":";

    private static string ReferencePath(string reference)
    {
        ArgumentException.ThrowIfNullOrEmpty(reference);
        if (!Digest.TryParse(reference, out _) && !TagPattern().IsMatch(reference))
        {
            throw new ArgumentException($"\"{reference}\" is neither a tag nor a digest", nameof(reference));
        }

        return reference;
    }

    private static Digest? HeaderDigest(HttpResponseMessage response) =>
        response.Headers.NonValidated.TryGetValues(ContentDigestHeader, out var values)
        && Digest.TryParse(values.FirstOrDefault()?.Trim(), out var digest) ? digest : null;

    /// <summary>Content-Type, or the document's own <c>mediaType</c> when the registry sent a generic one.</summary>
    private static string MediaTypeOf(HttpResponseMessage response, byte[] content, string operation)
    {
        var header = response.Content.Headers.ContentType?.MediaType;
        if (header == MediaTypes.DockerManifestSchema1Signed || header == "application/vnd.docker.distribution.manifest.v1+json")
        {
            throw new RegistryException(RegistryErrorReason.Unsupported, $"{operation}: Docker schema 1 manifests are not supported");
        }

        if (ManifestMediaTypes.Contains(header))
        {
            return header!;
        }

        try
        {
            using var document = JsonDocument.Parse(content);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (document.RootElement.TryGetProperty("mediaType", out var field) && field.ValueKind == JsonValueKind.String && ManifestMediaTypes.Contains(field.GetString()))
                {
                    return field.GetString()!;
                }

                // An OCI document may leave mediaType out: its shape tells.
                if (document.RootElement.TryGetProperty("manifests", out _))
                {
                    return MediaTypes.OciIndex;
                }

                if (document.RootElement.TryGetProperty("config", out _))
                {
                    return MediaTypes.OciManifest;
                }
            }
        }
        catch (JsonException e)
        {
            throw new RegistryException(RegistryErrorReason.Protocol, $"{operation}: the manifest is not JSON: {e.Message}", e);
        }

        throw new RegistryException(RegistryErrorReason.Protocol, $"{operation}: the registry sent a manifest of unknown media type \"{header}\"");
    }

    internal static Digest DigestOf(ReadOnlySpan<byte> content, string algorithm, string operation) => algorithm switch
    {
        "sha256" => Digest.Sha256(content),
        "sha512" => Digest.Parse("sha512:" + Convert.ToHexStringLower(SHA512.HashData(content))),
        _ => throw new RegistryException(RegistryErrorReason.Unsupported, $"{operation}: digest algorithm {algorithm} is not supported"),
    };

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new RegistryException(RegistryErrorReason.Protocol, $"an answer from {content.Headers.ContentType} is larger than {limit} bytes");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
