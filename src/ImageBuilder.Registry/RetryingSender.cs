using System.Net;
using System.Security.Authentication;

namespace ImageBuilder.Registry;

/// <summary>
/// Sends a request, trying again after network errors and 5xx/429 answers with exponential
/// backoff, within the <see cref="RetryPolicy"/>. The request is built anew for each attempt.
/// </summary>
internal static class RetryingSender
{
    public static async Task<HttpResponseMessage> SendAsync(
        HttpClient http,
        RetryPolicy policy,
        TimeProvider time,
        Func<HttpRequestMessage> createRequest,
        string what,
        CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            HttpResponseMessage response;
            using var request = createRequest();
            try
            {
                response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            }
            catch (Exception e) when (IsTransient(e, cancellationToken))
            {
                if (IsTls(e))
                {
                    throw new RegistryException(RegistryErrorReason.Tls, $"{what}: TLS failed: {Innermost(e).Message}", e);
                }

                if (attempt >= policy.MaxAttempts)
                {
                    throw new RegistryException(RegistryErrorReason.Network,
                        $"{what}: {Innermost(e).Message} (gave up after {attempt} attempts)", e);
                }

                await Task.Delay(policy.DelayAfter(attempt, null), time, cancellationToken);
                continue;
            }

            if (IsRetryableStatus(response.StatusCode) && attempt < policy.MaxAttempts)
            {
                var retryAfter = response.Headers.RetryAfter?.Delta;
                response.Dispose();
                await Task.Delay(policy.DelayAfter(attempt, retryAfter), time, cancellationToken);
                continue;
            }

            return response;
        }
    }

    public static bool IsRetryableStatus(HttpStatusCode status) =>
        status == HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>A failure of the connection rather than of the caller: worth another attempt.</summary>
    public static bool IsTransient(Exception e, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested
        && e is HttpRequestException or IOException or TaskCanceledException;

    public static bool IsTls(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is AuthenticationException)
            {
                return true;
            }
        }

        return false;
    }

    public static Exception Innermost(Exception e)
    {
        var current = e;
        while (current.InnerException is not null)
        {
            current = current.InnerException;
        }

        return current;
    }
}
