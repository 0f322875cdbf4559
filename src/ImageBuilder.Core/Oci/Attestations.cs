namespace ImageBuilder.Core.Oci;

/// <summary>
/// How BuildKit attaches attestations to an image in an index: an extra entry per image, an image
/// manifest whose one layer per statement is <see cref="MediaTypes.InToto"/>, listed with platform
/// <c>unknown/unknown</c> and the annotations below naming the image it is about.
/// </summary>
public static class Attestations
{
    /// <summary>The annotation saying what an index entry is; <see cref="AttestationManifest"/> for an attestation.</summary>
    public const string ReferenceType = "vnd.docker.reference.type";

    /// <summary>The annotation naming the manifest digest of the image an attestation entry is about.</summary>
    public const string ReferenceDigest = "vnd.docker.reference.digest";

    public const string AttestationManifest = "attestation-manifest";

    /// <summary>The annotation of an in-toto layer: the statement's predicate type.</summary>
    public const string PredicateTypeAnnotation = "in-toto.io/predicate-type";

    /// <summary>The platform of an attestation's index entry and config.</summary>
    public static Platform UnknownPlatform { get; } = new() { Os = "unknown", Architecture = "unknown" };

    /// <summary>Whether <paramref name="entry"/> of an index is an attestation manifest (not an image of a platform).</summary>
    public static bool IsAttestation(Descriptor entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Annotations?.GetValueOrDefault(ReferenceType) == AttestationManifest || entry.Platform is { Os: "unknown" };
    }
}
