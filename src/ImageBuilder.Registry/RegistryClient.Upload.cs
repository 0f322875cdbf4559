using System.Net;
using System.Net.Http.Headers;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Registry;

public sealed partial class RegistryClient
{
    /// <summary>Pushes a blob held in memory (a config, say); see the stream overload.</summary>
    public Task<BlobPushResult> PushBlobAsync(string repository, Descriptor blob, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var bytes = content.ToArray();
        return PushBlobAsync(repository, blob, () => new MemoryStream(bytes, writable: false), null, cancellationToken);
    }

    /// <summary>
    /// Makes the repository hold the blob: nothing is sent when a HEAD finds it there; with
    /// <paramref name="mountFrom"/> (a repository of the same registry that has it) the registry is
    /// asked to mount it; otherwise it is uploaded, in one PUT when it fits in
    /// <see cref="RegistryClientOptions.UploadChunkSize"/>, else in PATCH chunks then a PUT.
    /// <paramref name="openContent"/> opens the bytes from their start; an upload that fails on the
    /// network or with 5xx/429 starts again (a new upload session) within the retry policy.
    /// </summary>
    public async Task<BlobPushResult> PushBlobAsync(string repository, Descriptor blob, Func<Stream> openContent, string? mountFrom = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(openContent);
        if (await HeadBlobAsync(repository, blob.Digest, cancellationToken) is not null)
        {
            return BlobPushResult.AlreadyExists;
        }

        return await SendBlobAsync(repository, blob, openContent, mountFrom, cancellationToken);
    }

    /// <summary>
    /// Uploads the blob without asking first whether the repository has it (a registry that does
    /// keeps one copy): for a small blob the client knows to be new, where the HEAD would cost
    /// more than the bytes. Otherwise as <see cref="PushBlobAsync(string, Descriptor, Func{Stream}, string?, CancellationToken)"/>.
    /// </summary>
    public Task<BlobPushResult> UploadBlobAsync(string repository, Descriptor blob, Func<Stream> openContent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(openContent);
        return SendBlobAsync(repository, blob, openContent, null, cancellationToken);
    }

    private async Task<BlobPushResult> SendBlobAsync(string repository, Descriptor blob, Func<Stream> openContent, string? mountFrom, CancellationToken cancellationToken)
    {
        var operation = $"push blob {blob.Digest} to {Registry}/{repository}";
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await UploadAsync(repository, blob, openContent, mountFrom, operation, cancellationToken);
            }
            catch (RegistryException e) when (attempt < options.Retry.MaxAttempts && e.Reason is RegistryErrorReason.Network or RegistryErrorReason.TooManyRequests)
            {
                await Task.Delay(options.Retry.DelayAfter(attempt, null), options.Time, cancellationToken);
            }
        }
    }

    private async Task<BlobPushResult> UploadAsync(string repository, Descriptor blob, Func<Stream> openContent, string? mountFrom, string operation, CancellationToken cancellationToken)
    {
        var mount = mountFrom is not null && mountFrom != repository;
        var start = $"{RepositoryPath(repository)}/blobs/uploads/"
            + (mount ? $"?mount={blob.Digest}&from={Uri.EscapeDataString(mountFrom!)}" : "");
        Uri location;
        using (var response = await SendAsync(HttpMethod.Post, start,
            mount ? RegistryScope.PushWithMount(repository, mountFrom!) : RegistryScope.Push(repository),
            () => new ByteArrayContent([]), "upload", cancellationToken, retry: false))
        {
            if (mount && response.StatusCode == HttpStatusCode.Created)
            {
                return BlobPushResult.Mounted;
            }

            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw await ErrorAsync(response, operation, RegistryErrorReason.NameUnknown, cancellationToken);
            }

            location = UploadLocation(response, operation);
        }

        await using var content = openContent();
        if (blob.Size > options.UploadChunkSize)
        {
            location = await SendChunksAsync(repository, blob, content, location, operation, cancellationToken);
            await CompleteAsync(repository, blob, location, [], operation, cancellationToken);
        }
        else
        {
            var bytes = new byte[blob.Size];
            var read = await content.ReadAtLeastAsync(bytes, bytes.Length, throwOnEndOfStream: false, cancellationToken);
            if (read != blob.Size || content.ReadByte() >= 0)
            {
                throw new RegistryException(RegistryErrorReason.DigestMismatch, $"{operation}: the content is not the {blob.Size} bytes the descriptor says");
            }

            await CompleteAsync(repository, blob, location, bytes, operation, cancellationToken);
        }

        return BlobPushResult.Uploaded;
    }

    /// <summary>
    /// Uploads a blob whose bytes are still being made (a layer being compressed): a POST, a PATCH
    /// for each chunk of up to <see cref="RegistryClientOptions.UploadChunkSize"/> (8 MiB at most) as
    /// <paramref name="content"/> gives it, to its end, then the PUT with the digest of the blob
    /// that <paramref name="made"/> gives once they are all made (refused, with no PUT, when its
    /// size is not what was sent). Nothing is asked first (the digest is not known yet) and nothing
    /// is retried (the bytes cannot be read again): a failure is the caller's to fall back from.
    /// Returns the size sent.
    /// </summary>
    public async Task<long> UploadStreamAsync(string repository, Stream content, Func<Task<Descriptor>> made, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(made);
        var operation = $"push a blob to {Registry}/{repository}";
        Uri location;
        using (var response = await SendAsync(HttpMethod.Post, $"{RepositoryPath(repository)}/blobs/uploads/", RegistryScope.Push(repository),
            () => new ByteArrayContent([]), "upload", cancellationToken, retry: false))
        {
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw await ErrorAsync(response, operation, RegistryErrorReason.NameUnknown, cancellationToken);
            }

            location = UploadLocation(response, operation);
        }

        // Chunks of at most 8 MiB: each stream holds its chunk in memory (a push streams two layers at most).
        var buffer = new byte[Math.Min(options.UploadChunkSize, 8 << 20)];
        long offset = 0;
        int length;
        while ((length = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken)) > 0)
        {
            location = await PatchAsync(repository, location, buffer, offset, length, operation, cancellationToken);
            offset += length;
        }

        var blob = await made();
        if (blob.Size != offset)
        {
            throw new RegistryException(RegistryErrorReason.DigestMismatch, $"{operation}: {offset} bytes were sent for the {blob.Size} of {blob.Digest}");
        }

        await CompleteAsync(repository, blob, location, [], operation, cancellationToken);
        return offset;
    }

    /// <summary>PATCH each chunk with its Content-Range; the registry answers with the next location.</summary>
    private async Task<Uri> SendChunksAsync(string repository, Descriptor blob, Stream content, Uri location, string operation, CancellationToken cancellationToken)
    {
        var buffer = new byte[options.UploadChunkSize];
        long offset = 0;
        while (offset < blob.Size)
        {
            var length = await content.ReadAtLeastAsync(buffer, (int)Math.Min(buffer.Length, blob.Size - offset), throwOnEndOfStream: false, cancellationToken);
            if (length == 0)
            {
                throw new RegistryException(RegistryErrorReason.DigestMismatch, $"{operation}: the content ended after {offset} of {blob.Size} bytes");
            }

            location = await PatchAsync(repository, location, buffer, offset, length, operation, cancellationToken);
            offset += length;
        }

        if (content.ReadByte() >= 0)
        {
            throw new RegistryException(RegistryErrorReason.DigestMismatch, $"{operation}: the content is longer than the {blob.Size} bytes the descriptor says");
        }

        return location;
    }

    /// <summary>One PATCH of <paramref name="length"/> bytes at <paramref name="first"/>; the location the registry gives next.</summary>
    private async Task<Uri> PatchAsync(string repository, Uri location, byte[] buffer, long first, int length, string operation, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Patch, location, RegistryScope.Push(repository), () =>
        {
            var body = new ByteArrayContent(buffer, 0, length);
            body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            body.Headers.TryAddWithoutValidation("Content-Range", $"{first}-{first + length - 1}");
            return body;
        }, "upload", cancellationToken, retry: false);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw await ErrorAsync(response, operation, RegistryErrorReason.UploadInvalid, cancellationToken);
        }

        return UploadLocation(response, operation);
    }

    /// <summary>PUT LOCATION?digest=… with the last (or only) bytes; the registry checks the digest.</summary>
    private async Task CompleteAsync(string repository, Descriptor blob, Uri location, byte[] bytes, string operation, CancellationToken cancellationToken)
    {
        var builder = new UriBuilder(location);
        var query = builder.Query.TrimStart('?');
        builder.Query = (query.Length > 0 ? query + "&" : "") + "digest=" + Uri.EscapeDataString(blob.Digest.ToString());
        using var response = await SendAsync(HttpMethod.Put, builder.Uri, RegistryScope.Push(repository), () =>
        {
            var body = new ByteArrayContent(bytes);
            body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            return body;
        }, "upload", cancellationToken, retry: false);
        if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.NoContent or HttpStatusCode.OK))
        {
            throw await ErrorAsync(response, operation, RegistryErrorReason.UploadInvalid, cancellationToken);
        }

        if (HeaderDigest(response) is { } stored && stored.Algorithm == blob.Digest.Algorithm && stored != blob.Digest)
        {
            throw new RegistryException(RegistryErrorReason.DigestMismatch, $"{operation}: the registry stored digest {stored}");
        }
    }

    private Uri UploadLocation(HttpResponseMessage response, string operation)
    {
        var location = response.Headers.Location
            ?? throw new RegistryException(RegistryErrorReason.Protocol, $"{operation}: the registry started an upload without a Location");
        return location.IsAbsoluteUri ? location : new Uri(response.RequestMessage?.RequestUri ?? baseUri ?? Endpoint.BaseUri, location);
    }
}
