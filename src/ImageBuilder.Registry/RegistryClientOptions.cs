using ImageBuilder.Registry.Auth;

namespace ImageBuilder.Registry;

/// <summary>How a <see cref="RegistryClient"/> reaches its registry and who it says it is.</summary>
public sealed record RegistryClientOptions
{
    /// <summary>Where credentials come from (usually <see cref="CredentialStore.Default"/>); null is anonymous.</summary>
    public ICredentialProvider? Credentials { get; init; }

    /// <summary>
    /// Registries (<c>host</c> or <c>host:port</c>) spoken to over plain HTTP. Loopback
    /// registries (<c>localhost</c>, <c>127.0.0.0/8</c>, <c>::1</c>) always are, as docker does.
    /// </summary>
    public IReadOnlyCollection<string> InsecureRegistries { get; init; } = [];

    /// <summary>False accepts any server certificate (<c>--tls-verify=false</c>).</summary>
    public bool TlsVerify { get; init; } = true;

    /// <summary>PEM files of extra CA certificates trusted beside the system store.</summary>
    public IReadOnlyList<string> CaCertificateFiles { get; init; } = [];

    public RetryPolicy Retry { get; init; } = RetryPolicy.Default;

    /// <summary>Blobs larger than this are uploaded in PATCH chunks of this size; smaller ones in one PUT.</summary>
    public int UploadChunkSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>The clock used for token lifetimes and retry waits.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Sent as the User-Agent header.</summary>
    public string UserAgent { get; init; } = "ibuild";
}
