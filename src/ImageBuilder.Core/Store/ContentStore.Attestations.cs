using System.Text.Json;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Store;

/// <summary>Attestation manifests (provenance), written as BuildKit's image exporter writes them.</summary>
public sealed partial class ContentStore
{
    /// <summary>
    /// Writes the statement (an in-toto JSON document, its predicate of <paramref name="predicateType"/>)
    /// as the one layer of an attestation manifest about <paramref name="subject"/>, with a config
    /// that lists it as its diff id (BuildKit's: platform unknown/unknown, no history); returns the
    /// descriptor the image's index lists it with: platform unknown/unknown and the annotations
    /// <c>vnd.docker.reference.type: attestation-manifest</c>, <c>vnd.docker.reference.digest: SUBJECT</c>.
    /// </summary>
    public Descriptor WriteAttestationManifest(Descriptor subject, ReadOnlySpan<byte> statement, string predicateType)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var layer = new Descriptor
        {
            MediaType = MediaTypes.InToto,
            Digest = WriteBlob(statement),
            Size = statement.Length,
            Annotations = new Dictionary<string, string> { [Attestations.PredicateTypeAnnotation] = predicateType },
        };
        var config = AttestationConfig(layer.Digest);
        var manifest = new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = WriteBlob(config), Size = config.Length },
            Layers = [layer],
        };
        var bytes = OciJson.Serialize(manifest);
        return new Descriptor
        {
            MediaType = MediaTypes.OciManifest,
            Digest = WriteBlob(bytes),
            Size = bytes.Length,
            Annotations = new Dictionary<string, string>
            {
                [Attestations.ReferenceDigest] = subject.Digest.ToString(),
                [Attestations.ReferenceType] = Attestations.AttestationManifest,
            },
            Platform = Attestations.UnknownPlatform,
        };
    }

    /// <summary>
    /// Writes an index of <paramref name="images"/> (each with its platform) followed by the
    /// attestation manifests about them, as BuildKit orders them; returns its descriptor.
    /// </summary>
    public Descriptor WriteImageIndex(IReadOnlyList<(ImageRecord Image, Platform Platform)> images, IReadOnlyList<Descriptor> attestations)
    {
        ArgumentNullException.ThrowIfNull(images);
        var index = new ImageIndex
        {
            MediaType = MediaTypes.OciIndex,
            Manifests = [.. images.Select(entry => entry.Image.ManifestDescriptor with { Platform = entry.Platform, Annotations = null }), .. attestations],
        };
        var bytes = OciJson.Serialize(index);
        return new Descriptor { MediaType = MediaTypes.OciIndex, Digest = WriteBlob(bytes), Size = bytes.Length };
    }

    /// <summary>The config of an attestation manifest, in the shape (and field order) of BuildKit's.</summary>
    private static byte[] AttestationConfig(Digest layer)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("architecture", Attestations.UnknownPlatform.Architecture);
            json.WriteString("os", Attestations.UnknownPlatform.Os);
            json.WriteStartObject("config");
            json.WriteEndObject();
            json.WriteStartObject("rootfs");
            json.WriteString("type", "layers");
            json.WriteStartArray("diff_ids");
            json.WriteStringValue(layer.ToString());
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
