using ImageBuilder.Core.Oci;

namespace ImageBuilder.Registry;

/// <summary>The distribution API of one registry: the seam pull, push and the registry cache are built on.</summary>
public interface IRegistryClient
{
    /// <summary>The registry as references name it (<c>docker.io</c>, <c>localhost:5000</c>).</summary>
    string Registry { get; }

    Task PingAsync(CancellationToken cancellationToken = default);

    Task<RegistryManifest> GetManifestAsync(string repository, string reference, CancellationToken cancellationToken = default);

    Task<Descriptor?> HeadManifestAsync(string repository, string reference, CancellationToken cancellationToken = default);

    Task<(RegistryManifest Manifest, RegistryManifest? Index)> ResolveAsync(string repository, string reference, Platform platform, CancellationToken cancellationToken = default);

    Task<Digest> PushManifestAsync(string repository, string reference, ReadOnlyMemory<byte> content, string mediaType, CancellationToken cancellationToken = default);

    Task<long?> HeadBlobAsync(string repository, Digest digest, CancellationToken cancellationToken = default);

    Task<long> PullBlobAsync(string repository, Descriptor blob, Stream destination, CancellationToken cancellationToken = default);

    Task<byte[]> GetBlobBytesAsync(string repository, Descriptor blob, CancellationToken cancellationToken = default);

    Task<BlobPushResult> PushBlobAsync(string repository, Descriptor blob, Func<Stream> openContent, string? mountFrom = null, CancellationToken cancellationToken = default);

    Task<BlobPushResult> PushBlobAsync(string repository, Descriptor blob, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    Task<BlobPushResult> UploadBlobAsync(string repository, Descriptor blob, Func<Stream> openContent, CancellationToken cancellationToken = default);

    Task<long> UploadStreamAsync(string repository, Stream content, Func<Task<Descriptor>> made, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<string>> ListTagsAsync(string repository, CancellationToken cancellationToken = default);
}
