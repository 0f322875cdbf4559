using System.Net;
using System.Text.Json;

namespace ImageBuilder.Registry;

public sealed partial class RegistryClient
{
    /// <summary>
    /// Sends a request to the registry with what authorizes <paramref name="scopes"/>: on a 401 it
    /// answers the challenge once and sends again; network errors, 5xx and 429 are retried with
    /// backoff unless <paramref name="retry"/> is false (uploads restart from their own start).
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(
        HttpMethod method,
        string relative,
        IReadOnlyList<string> scopes,
        Func<HttpContent>? content,
        string what,
        CancellationToken cancellationToken,
        Action<HttpRequestMessage>? configure = null,
        bool retry = true) =>
        await SendAsync(method, new Uri(await BaseUriAsync(cancellationToken), relative), scopes, content, what, cancellationToken, configure, retry);

    private async Task<HttpResponseMessage> SendAsync(
        HttpMethod method,
        Uri uri,
        IReadOnlyList<string> scopes,
        Func<HttpContent>? content,
        string what,
        CancellationToken cancellationToken,
        Action<HttpRequestMessage>? configure = null,
        bool retry = true)
    {
        var policy = retry ? options.Retry : options.Retry with { MaxAttempts = 1 };
        var description = $"{what} {Registry}";
        for (var challenged = false; ; challenged = true)
        {
            // The Authorization header is computed before each send: a token may be renewed in between.
            var authorization = await authenticator.AuthorizationAsync(scopes, cancellationToken);

            var response = await RetryingSender.SendAsync(http, policy, options.Time, () =>
            {
                var request = new HttpRequestMessage(method, uri) { Content = content?.Invoke() };
                request.Headers.Authorization = authorization;
                configure?.Invoke(request);
                return request;
            }, description, cancellationToken);

            if (response.StatusCode != HttpStatusCode.Unauthorized || challenged)
            {
                return response;
            }

            bool answered;
            try
            {
                answered = await authenticator.OnChallengeAsync(response, scopes, cancellationToken);
            }
            catch
            {
                response.Dispose();
                throw;
            }

            if (!answered)
            {
                return response;
            }

            response.Dispose();
        }
    }

    /// <summary>
    /// The exception for a failed answer, from the registry's JSON <c>errors</c> (code and message)
    /// and the status; <paramref name="notFound"/> is the reason a bare 404 gets.
    /// </summary>
    internal async Task<RegistryException> ErrorAsync(HttpResponseMessage response, string operation, RegistryErrorReason notFound, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var (code, message) = await ReadErrorsAsync(response, cancellationToken);
        var reason = ReasonForCode(code) ?? response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => RegistryErrorReason.Unauthorized,
            HttpStatusCode.Forbidden => RegistryErrorReason.Denied,
            HttpStatusCode.NotFound => notFound,
            HttpStatusCode.MethodNotAllowed => RegistryErrorReason.Unsupported,
            HttpStatusCode.TooManyRequests => RegistryErrorReason.TooManyRequests,
            HttpStatusCode.RequestedRangeNotSatisfiable => RegistryErrorReason.UploadInvalid,
            _ when status >= 500 => RegistryErrorReason.Network,
            _ => RegistryErrorReason.Protocol,
        };

        var said = code is null
            ? reason switch
            {
                // A HEAD answer has no body: say what a registry's error code would have said.
                RegistryErrorReason.Unauthorized => $"unauthorized (HTTP {status})",
                RegistryErrorReason.Denied => $"denied (HTTP {status})",
                _ => $"HTTP {status} {response.ReasonPhrase}".TrimEnd(),
            }
            : $"{code.ToLowerInvariant().Replace('_', ' ')}" + (string.IsNullOrEmpty(message) || message.Equals(code.Replace('_', ' '), StringComparison.OrdinalIgnoreCase) ? "" : $": {message}") + $" (HTTP {status})";
        var text = $"{operation}: {said}";
        if (reason is RegistryErrorReason.Unauthorized or RegistryErrorReason.Denied)
        {
            text += $"; tried {authenticator.DescribeCredentials()}; log in with `ibuild login {Registry}`";
        }

        return new RegistryException(reason, text) { StatusCode = status, ErrorCode = code };
    }

    private static async Task<(string? Code, string? Message)> ReadErrorsAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var buffer = new byte[64 * 1024];
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var length = await body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
            if (length == 0)
            {
                return (null, null);
            }

            using var document = JsonDocument.Parse(buffer.AsMemory(0, length));
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("errors", out var errors)
                && errors.ValueKind == JsonValueKind.Array
                && errors.GetArrayLength() > 0
                && errors[0].ValueKind == JsonValueKind.Object)
            {
                var first = errors[0];
                var code = first.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                var message = first.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                return (code, message);
            }
        }
        catch (Exception e) when (e is JsonException or IOException or HttpRequestException)
        {
            // Not the spec's error body: the status says enough.
        }

        return (null, null);
    }

    internal static RegistryErrorReason? ReasonForCode(string? code) => code switch
    {
        "UNAUTHORIZED" => RegistryErrorReason.Unauthorized,
        "DENIED" => RegistryErrorReason.Denied,
        "NAME_UNKNOWN" => RegistryErrorReason.NameUnknown,
        "NAME_INVALID" => RegistryErrorReason.NameInvalid,
        "MANIFEST_UNKNOWN" => RegistryErrorReason.ManifestUnknown,
        "MANIFEST_INVALID" or "MANIFEST_UNVERIFIED" or "MANIFEST_BLOB_UNKNOWN" or "TAG_INVALID" => RegistryErrorReason.ManifestInvalid,
        "BLOB_UNKNOWN" => RegistryErrorReason.BlobUnknown,
        "BLOB_UPLOAD_INVALID" or "BLOB_UPLOAD_UNKNOWN" or "SIZE_INVALID" or "RANGE_INVALID" => RegistryErrorReason.UploadInvalid,
        "DIGEST_INVALID" => RegistryErrorReason.DigestMismatch,
        "TOOMANYREQUESTS" => RegistryErrorReason.TooManyRequests,
        "UNSUPPORTED" => RegistryErrorReason.Unsupported,
        _ => null,
    };
}
