using ImageBuilder.Application.Provenance;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;

namespace ImageBuilder.Application;

/// <summary>A build's provenance attestations: what they say of the request, and their writing into the store.</summary>
public sealed partial class BuildService
{
    /// <summary>What every attestation of this build says of its request (the mode is each output's).</summary>
    private static ProvenanceFacts Facts(BuildRequest request, DateTimeOffset started) =>
        new(request.Provenance ?? new ProvenanceOption(ProvenanceMode.Min), ProvenanceFacts.NewInvocationId(), started, DateTimeOffset.UtcNow,
            request.DockerfileName, request.DockerfileText)
        {
            Target = request.Plan.Target,
            BuildArgs = request.Plan.BuildArgs,
            Labels = request.Plan.Labels,
        };

    /// <summary>Writes attestation manifests about the images of <paramref name="builds"/>, as an output holds them.</summary>
    private sealed class Attester(ContentStore store, IReadOnlyList<PlatformBuild> builds, ProvenanceFacts facts)
    {
        /// <summary>
        /// The attestation writer of an output of <paramref name="mode"/> whose image is named
        /// <paramref name="names"/>: given an image as the output holds it (the store's, or with
        /// its layers compressed for an archive or a registry) and its platform, it writes the
        /// attestation manifest into the store and returns its index entry. Null when off.
        /// </summary>
        public Func<ImageRecord, Platform, Descriptor>? For(ProvenanceMode mode, IReadOnlyList<ImageReference> names)
        {
            if (mode == ProvenanceMode.Off)
            {
                return null;
            }

            var these = facts with { Option = facts.Option with { Mode = mode } };
            return (image, platform) =>
            {
                var build = builds.First(b => b.Platform.ToString() == platform.ToString());
                var statement = ProvenanceStatement.Create(these, build.Plan, build.Image.Downloads, image, names, platform);
                return store.WriteAttestationManifest(image.ManifestDescriptor, statement, ProvenanceStatement.PredicateType);
            };
        }
    }
}
