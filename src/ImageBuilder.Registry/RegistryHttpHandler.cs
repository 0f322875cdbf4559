using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace ImageBuilder.Registry;

/// <summary>
/// The HTTP stack of a client: no automatic redirects (the client follows them itself, so the
/// registry's Authorization never goes to another host), no decompression (blobs are hashed as
/// sent), and TLS checked against the system store plus any extra CA certificates, or not at all
/// when TLS verification is off.
/// </summary>
internal static class RegistryHttpHandler
{
    public static SocketsHttpHandler Create(RegistryClientOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            UseCookies = false,
        };

        if (!options.TlsVerify)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }
        else if (options.CaCertificateFiles.Count > 0)
        {
            var extra = new X509Certificate2Collection();
            foreach (var file in options.CaCertificateFiles)
            {
                try
                {
                    extra.ImportFromPemFile(file);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
                {
                    throw new RegistryException(RegistryErrorReason.Tls, $"cannot read CA certificates from {file}: {e.Message}", e);
                }
            }

            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None || TrustedByExtra(certificate, errors, extra);
        }

        return handler;
    }

    /// <summary>The name must still match; only the chain may end at one of the extra CAs.</summary>
    private static bool TrustedByExtra(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection extra)
    {
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(extra);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
