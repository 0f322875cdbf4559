using System.Net.Http.Headers;
using System.Security.Cryptography;
using ImageBuilder.Build.Context;
using ImageBuilder.Build.Copying;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Build.Engine;

/// <summary>
/// ADD's http(s) sources: each URL is fetched into a directory of the step's scratch, under the
/// name BuildKit gives it (the last segment of the URL's path), mode 0600 and the time of its
/// Last-Modified header, and checked against <c>--checksum</c> when one is given. Remote files
/// are never unpacked.
/// </summary>
internal static class RemoteSource
{
    private const int MaxRedirects = 10;

    // Redirects are followed here, not by the handler: it would follow one to any scheme it
    // knows (a gopher:// target was fetched) and throw UriFormatException at a file:// one.
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false })
    {
        Timeout = TimeSpan.FromMinutes(30),
    };

    public static bool IsUrl(string source) =>
        source.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || source.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Fetches <paramref name="url"/> into <paramref name="directory"/>; returns the file's name and content digest.</summary>
    /// <exception cref="RemoteSourceException">The download failed, or the content does not match <paramref name="checksum"/>.</exception>
    public static async Task<(string Name, Digest Digest)> FetchAsync(string url, string directory, string? checksum, CancellationToken cancellationToken)
    {
        var expected = ParseChecksum(checksum);
        var name = FileName(url);
        var path = Path.Combine(directory, name);
        Digest digest;
        DateTimeOffset? modified;
        try
        {
            using var response = await GetFollowingRedirectsAsync(url, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new RemoteSourceException($"{url}: the server answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            modified = response.Content.Headers.LastModified;
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }

            digest = Digest.Parse("sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
        catch (HttpRequestException e)
        {
            throw new RemoteSourceException($"{url}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RemoteSourceException($"{url}: the download timed out", e);
        }

        if (expected is { } want && want != digest)
        {
            throw new RemoteSourceException($"{url}: the content's digest is {digest}, but --checksum says {want}");
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (modified is { } time)
        {
            File.SetLastWriteTimeUtc(path, time.UtcDateTime);
        }

        return (name, digest);
    }

    /// <summary>
    /// GET with redirects followed by hand (at most <see cref="MaxRedirects"/>): only to http and
    /// https, and never from https down to http. A redirect elsewhere refuses the source.
    /// </summary>
    private static async Task<HttpResponseMessage> GetFollowingRedirectsAsync(string url, CancellationToken cancellationToken)
    {
        var current = new Uri(url);
        for (var redirects = 0; ; redirects++)
        {
            var response = await Http.GetAsync(current, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if ((int)response.StatusCode is not (301 or 302 or 303 or 307 or 308)
                || !response.Headers.NonValidated.TryGetValues("Location", out var locations))
            {
                return response;
            }

            response.Dispose();
            var location = locations.FirstOrDefault() ?? "";
            if (!Uri.TryCreate(current, location, out var next))
            {
                throw new RemoteSourceException($"{url}: the server redirects to \"{location}\", which is not a URL", reason: CopyFailure.Refused);
            }

            if (next.Scheme is not ("http" or "https") || (current.Scheme == "https" && next.Scheme == "http"))
            {
                throw new RemoteSourceException(
                    $"{url}: the server redirects to {SourcePath.Quote(next.OriginalString)}, and ADD follows redirects only to http(s) URLs (never from https to http)",
                    reason: CopyFailure.Refused);
            }

            if (redirects == MaxRedirects)
            {
                throw new RemoteSourceException($"{url}: more than {MaxRedirects} redirects");
            }

            current = next;
        }
    }

    /// <summary>The last segment of the URL's path, as BuildKit names a downloaded file; <c>__unnamed__</c> when there is none.</summary>
    internal static string FileName(string url)
    {
        var path = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? Uri.UnescapeDataString(uri.AbsolutePath) : url;
        var name = path.TrimEnd('/').Split('/')[^1];
        return name is "" or "." or ".." ? "__unnamed__" : name;
    }

    private static Digest? ParseChecksum(string? checksum)
    {
        if (string.IsNullOrEmpty(checksum))
        {
            return null;
        }

        return Digest.TryParse(checksum, out var digest) && digest.Algorithm == "sha256"
            ? digest
            : throw new RemoteSourceException($"--checksum={checksum} is not a sha256:… digest");
    }
}

/// <summary>An ADD source URL that could not be fetched or did not match its checksum, or that is
/// refused (<see cref="Reason"/>: it redirects to a URL ADD does not follow).</summary>
internal sealed class RemoteSourceException(string message, Exception? inner = null, CopyFailure reason = CopyFailure.CannotCopy)
    : Exception(message, inner)
{
    public CopyFailure Reason { get; } = reason;
}
