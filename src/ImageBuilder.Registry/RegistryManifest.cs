using ImageBuilder.Core.Oci;

namespace ImageBuilder.Registry;

/// <summary>A manifest as the registry sent it: its bytes untouched, their media type and digest.</summary>
public sealed record RegistryManifest(byte[] Content, string MediaType, Digest Digest)
{
    public bool IsIndex => MediaTypes.IsIndex(MediaType);

    /// <summary>A descriptor of these bytes (what an index entry or a store tag points at).</summary>
    public Descriptor Descriptor => new() { MediaType = MediaType, Digest = Digest, Size = Content.Length };

    /// <summary>The bytes read as an image manifest (OCI or Docker schema 2).</summary>
    public ImageManifest AsImageManifest() => OciJson.Deserialize<ImageManifest>(Content);

    /// <summary>The bytes read as an image index (OCI index or Docker manifest list).</summary>
    public ImageIndex AsImageIndex() => OciJson.Deserialize<ImageIndex>(Content);
}

/// <summary>What <see cref="RegistryClient.PushBlobAsync(string, Descriptor, Func{Stream}, string?, CancellationToken)"/> had to do.</summary>
public enum BlobPushResult
{
    /// <summary>The repository already had the blob (HEAD found it); nothing was sent.</summary>
    AlreadyExists,

    /// <summary>The registry linked the blob from the source repository; nothing was sent.</summary>
    Mounted,

    /// <summary>The bytes were uploaded.</summary>
    Uploaded,
}
