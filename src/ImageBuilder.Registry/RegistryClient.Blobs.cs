using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Registry;

public sealed partial class RegistryClient
{
    private const int MaxRedirects = 10;

    /// <summary>
    /// <c>HEAD /v2/NAME/blobs/DIGEST</c>: the blob's size, or null when the repository does not have it.
    /// </summary>
    public async Task<long?> HeadBlobAsync(string repository, Digest digest, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Head, $"{RepositoryPath(repository)}/blobs/{digest}",
            RegistryScope.Pull(repository), null, "blob", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (response.StatusCode is HttpStatusCode.TemporaryRedirect or HttpStatusCode.Redirect or HttpStatusCode.PermanentRedirect or HttpStatusCode.SeeOther or HttpStatusCode.MovedPermanently)
        {
            return response.Content.Headers.ContentLength ?? -1;
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw await ErrorAsync(response, $"check blob {digest} in {Registry}/{repository}", RegistryErrorReason.BlobUnknown, cancellationToken);
        }

        return response.Content.Headers.ContentLength ?? -1;
    }

    /// <summary>Pulls the blob a descriptor names into <paramref name="destination"/>; its size and digest are checked.</summary>
    public Task<long> PullBlobAsync(string repository, Descriptor blob, Stream destination, CancellationToken cancellationToken = default) =>
        PullBlobAsync(repository, blob.Digest, destination, blob.Size, cancellationToken);

    /// <summary>
    /// <c>GET /v2/NAME/blobs/DIGEST</c> streamed into <paramref name="destination"/>, following
    /// redirects (the registry's Authorization goes only to the registry itself) and hashing as it
    /// goes. A connection that drops mid-way is resumed with a Range request from the last byte
    /// written. Throws <see cref="RegistryErrorReason.DigestMismatch"/> when the bytes do not
    /// match (the destination then holds them: the caller discards it, as a store's BlobWriter does).
    /// Returns the number of bytes.
    /// </summary>
    public async Task<long> PullBlobAsync(string repository, Digest digest, Stream destination, long? expectedSize = null, CancellationToken cancellationToken = default)
    {
        var operation = $"pull blob {digest} from {Registry}/{repository}";
        using var hash = IncrementalHash.CreateHash(digest.Algorithm switch
        {
            "sha256" => HashAlgorithmName.SHA256,
            "sha512" => HashAlgorithmName.SHA512,
            _ => throw new RegistryException(RegistryErrorReason.Unsupported, $"{operation}: digest algorithm {digest.Algorithm} is not supported"),
        });
        var buffer = new byte[128 * 1024];
        long written = 0;
        for (var interruptions = 0; ; interruptions++)
        {
            using var response = await GetBlobFromAsync(repository, digest, written, operation, cancellationToken);
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            if (written > 0 && response.StatusCode == HttpStatusCode.OK)
            {
                // The server ignored the Range header: read past what we already have.
                await SkipAsync(body, written, buffer, cancellationToken);
            }

            var ended = false;
            while (true)
            {
                int read;
                try
                {
                    read = await body.ReadAsync(buffer, cancellationToken);
                }
                catch (Exception e) when (RetryingSender.IsTransient(e, cancellationToken))
                {
                    if (interruptions + 1 >= options.Retry.MaxAttempts)
                    {
                        throw new RegistryException(RegistryErrorReason.Network,
                            $"{operation}: the connection dropped after {written} bytes, {interruptions + 1} times: {RetryingSender.Innermost(e).Message}", e);
                    }

                    break;
                }

                if (read == 0)
                {
                    ended = true;
                    break;
                }

                if (expectedSize is { } limit && written + read > limit)
                {
                    throw new RegistryException(RegistryErrorReason.DigestMismatch, $"{operation}: the registry sent more than the {limit} bytes expected");
                }

                hash.AppendData(buffer, 0, read);
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                written += read;
            }

            if (ended && (expectedSize is null || written == expectedSize))
            {
                break;
            }

            if (ended && interruptions + 1 >= options.Retry.MaxAttempts)
            {
                throw new RegistryException(RegistryErrorReason.Network, $"{operation}: the registry sent {written} of {expectedSize} bytes, {interruptions + 1} times");
            }

            await Task.Delay(options.Retry.DelayAfter(interruptions + 1, null), options.Time, cancellationToken);
        }

        var actual = Digest.Parse($"{digest.Algorithm}:{Convert.ToHexStringLower(hash.GetHashAndReset())}");
        if (actual != digest)
        {
            throw new RegistryException(RegistryErrorReason.DigestMismatch, $"{operation}: the bytes received have digest {actual}");
        }

        return written;
    }

    /// <summary>Pulls a small blob (a config) into memory; its digest is checked.</summary>
    public async Task<byte[]> GetBlobBytesAsync(string repository, Descriptor blob, CancellationToken cancellationToken = default)
    {
        if (blob.Size > MaxManifestSize * 4)
        {
            throw new ArgumentOutOfRangeException(nameof(blob), $"{blob.Digest} is {blob.Size} bytes: pull it into a stream");
        }

        using var memory = new MemoryStream((int)Math.Max(0, blob.Size));
        await PullBlobAsync(repository, blob, memory, cancellationToken);
        return memory.ToArray();
    }

    /// <summary>The GET (from <paramref name="offset"/> on, with a Range header), after its redirects.</summary>
    private async Task<HttpResponseMessage> GetBlobFromAsync(string repository, Digest digest, long offset, string operation, CancellationToken cancellationToken)
    {
        Action<HttpRequestMessage>? range = offset > 0 ? request => request.Headers.Range = new RangeHeaderValue(offset, null) : null;
        var response = await SendAsync(HttpMethod.Get, $"{RepositoryPath(repository)}/blobs/{digest}",
            RegistryScope.Pull(repository), null, "blob", cancellationToken, range);
        var registryUri = await BaseUriAsync(cancellationToken);
        for (var hops = 0; IsRedirect(response.StatusCode); hops++)
        {
            var location = response.Headers.Location;
            var from = response.RequestMessage?.RequestUri ?? registryUri;
            response.Dispose();
            if (location is null || hops >= MaxRedirects)
            {
                throw new RegistryException(RegistryErrorReason.Protocol, $"{operation}: too many redirects, or one without a Location");
            }

            var target = location.IsAbsoluteUri ? location : new Uri(from, location);
            if (SameOrigin(target, registryUri))
            {
                response = await SendAsync(HttpMethod.Get, target, RegistryScope.Pull(repository), null, "blob", cancellationToken, range);
            }
            else
            {
                // Another host (a CDN, object storage): the URL carries its own authorization.
                response = await RetryingSender.SendAsync(http, options.Retry, options.Time, () =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Get, target);
                    range?.Invoke(request);
                    return request;
                }, $"blob {target.Host}", cancellationToken);
            }
        }

        if (response.StatusCode == HttpStatusCode.PartialContent && offset > 0)
        {
            if (response.Content.Headers.ContentRange?.From is { } start && start != offset)
            {
                response.Dispose();
                throw new RegistryException(RegistryErrorReason.Protocol, $"{operation}: asked for bytes from {offset}, got from {start}");
            }

            return response;
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            using (response)
            {
                throw await ErrorAsync(response, operation, RegistryErrorReason.BlobUnknown, cancellationToken);
            }
        }

        return response;
    }

    private static bool IsRedirect(HttpStatusCode status) =>
        status is HttpStatusCode.MovedPermanently or HttpStatusCode.Redirect or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static bool SameOrigin(Uri a, Uri b) =>
        a.Scheme == b.Scheme && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

    private static async Task SkipAsync(Stream body, long count, byte[] buffer, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            var read = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), cancellationToken);
            if (read == 0)
            {
                throw new IOException("the answer ended before the bytes already received");
            }

            count -= read;
        }
    }
}
