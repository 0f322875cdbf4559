namespace ImageBuilder.Core.Oci;

/// <summary>
/// Keeps the media types of an image manifest in one family. A manifest is OCI or Docker schema 2
/// as a whole: skopeo refuses an OCI manifest with a Docker layer type ("Unknown media type during
/// manifest conversion") and strict registries refuse it too. Every manifest ibuild writes — a
/// build's, a push's, a saved archive's, an exported cache's — goes through <see cref="Unify"/>;
/// a build FROM a Docker-typed image is where the two families used to meet.
/// </summary>
public static class MediaTypeFamily
{
    /// <summary>Whether <paramref name="manifest"/> is a Docker schema 2 manifest (otherwise it is OCI; a missing media type is OCI's).</summary>
    public static bool IsDocker(ImageManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return manifest.MediaType == MediaTypes.DockerManifest;
    }

    /// <summary>Whether every descriptor of <paramref name="manifest"/> is in the manifest's own family.</summary>
    public static bool IsUniform(ImageManifest manifest)
    {
        var unified = Unify(manifest);
        return unified.MediaType == manifest.MediaType
            && unified.Config.MediaType == manifest.Config.MediaType
            && unified.Layers.Select(l => l.MediaType).SequenceEqual(manifest.Layers.Select(l => l.MediaType));
    }

    /// <summary>
    /// <paramref name="manifest"/> with its config and layer descriptors in the manifest's family
    /// (the same object when they already are). A Docker manifest with a layer Docker has no type
    /// for (zstd, an uncompressed non-distributable layer) becomes an OCI manifest as a whole.
    /// Only media types change: digests, sizes, urls and annotations stay.
    /// </summary>
    public static ImageManifest Unify(ImageManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var docker = IsDocker(manifest) && manifest.Layers.All(l => HasDockerType(l.MediaType));
        Func<string, string> map = docker ? MediaTypes.ToDocker : MediaTypes.ToOci;
        var mediaType = docker ? MediaTypes.DockerManifest : manifest.MediaType is null ? null : MediaTypes.OciManifest;
        var config = Retype(manifest.Config, map);
        var layers = manifest.Layers.Select(l => Retype(l, map)).ToList();
        return mediaType == manifest.MediaType && ReferenceEquals(config, manifest.Config)
            && layers.Zip(manifest.Layers).All(p => ReferenceEquals(p.First, p.Second))
            ? manifest
            : manifest with { MediaType = mediaType, Config = config, Layers = layers };
    }

    private static bool HasDockerType(string layerMediaType) =>
        MediaTypes.ToDocker(layerMediaType).StartsWith("application/vnd.docker.", StringComparison.Ordinal);

    private static Descriptor Retype(Descriptor descriptor, Func<string, string> map)
    {
        var mediaType = map(descriptor.MediaType);
        return mediaType == descriptor.MediaType ? descriptor : descriptor with { MediaType = mediaType };
    }
}
