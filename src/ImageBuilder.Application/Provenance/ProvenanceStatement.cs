using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;
using ImageBuilder.Planning;

namespace ImageBuilder.Application.Provenance;

/// <summary>
/// A SLSA v1 provenance attestation of one platform's image, as BuildKit writes it: an in-toto
/// statement whose subjects are the image's names as package URLs with its manifest digest, and
/// whose predicate follows BuildKit's build type (docs/attestations/slsa-definitions.md), so tools
/// that read BuildKit's provenance read ibuild's. The context is local, so dependencies are never
/// complete and the build never hermetic, as BuildKit says of a local context. mode=min leaves out
/// build args, labels, secret and ssh ids (and marks the request incomplete when it dropped any);
/// mode=max adds them, the steps (<c>internalParameters.buildConfig</c>), the Dockerfile with each
/// step's location in it and each step's layers (<c>buildkit_metadata.source</c>, <c>.layers</c>).
/// </summary>
public static partial class ProvenanceStatement
{
    public const string StatementType = "https://in-toto.io/Statement/v1";
    public const string PredicateType = "https://slsa.dev/provenance/v1";
    public const string BuildType = "https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md";

    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The statement about <paramref name="subject"/> (the image as shipped: its manifest digest and layers), named <paramref name="names"/>.</summary>
    public static byte[] Create(
        ProvenanceFacts facts, BuildPlan plan, IReadOnlyList<RemoteDownload> downloads, ImageRecord subject, IReadOnlyList<ImageReference> names, Platform platform)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(subject);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteString("_type", StatementType);
            json.WriteString("predicateType", PredicateType);
            json.WriteStartArray("subject");
            // An in-toto subject list may not be empty: an unnamed image is "_", BuildKit's name for an unnamed subject.
            foreach (var name in names.Count > 0 ? names.Select(n => PackageUrl.ForImage(n, platform)).Distinct() : ["_"])
            {
                json.WriteStartObject();
                json.WriteString("name", name);
                WriteDigestSet(json, "digest", subject.ManifestDescriptor.Digest.ToString());
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartObject("predicate");
            var steps = ProvenanceSteps.Of(plan);
            WriteBuildDefinition(json, facts, plan, downloads, steps);
            WriteRunDetails(json, facts, plan, steps, subject);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static bool Max(ProvenanceFacts facts) => facts.Option.Mode == ProvenanceMode.Max;

    private static void WriteBuildDefinition(
        Utf8JsonWriter json, ProvenanceFacts facts, BuildPlan plan, IReadOnlyList<RemoteDownload> downloads, IReadOnlyList<ProvenanceStep> steps)
    {
        json.WriteStartObject("buildDefinition");
        json.WriteString("buildType", BuildType);
        json.WriteStartObject("externalParameters");
        json.WriteStartObject("configSource");
        WriteDigestSet(json, "digest", "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(facts.DockerfileText))));
        json.WriteString("path", facts.DockerfileName);
        json.WriteEndObject();
        WriteRequest(json, facts, plan);
        json.WriteEndObject();

        json.WriteStartObject("internalParameters");
        if (Max(facts))
        {
            WriteBuildConfig(json, steps);
        }

        json.WriteString("builderPlatform", facts.BuilderPlatform.ToString());
        json.WriteEndObject();

        // None (FROM scratch, nothing fetched): left out, as BuildKit leaves it.
        var dependencies = Dependencies(plan, downloads).ToList();
        if (dependencies.Count > 0)
        {
            json.WriteStartArray("resolvedDependencies");
            foreach (var (uri, digest) in dependencies)
            {
                json.WriteStartObject();
                json.WriteString("uri", uri);
                WriteDigestSet(json, "digest", digest);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    /// <summary>The frontend's request: BuildKit's keys (<c>build-arg:K</c>, <c>label:K</c>, <c>target</c>), secrets and ssh by id, the locals.</summary>
    private static void WriteRequest(Utf8JsonWriter json, ProvenanceFacts facts, BuildPlan plan)
    {
        json.WriteStartObject("request");
        json.WriteString("frontend", "dockerfile.v0");
        var args = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (facts.Target is { } target)
        {
            args["target"] = target;
        }

        if (Max(facts))
        {
            foreach (var (key, value) in facts.BuildArgs)
            {
                args["build-arg:" + key] = value;
            }

            foreach (var (key, value) in facts.Labels)
            {
                args["label:" + key] = value;
            }
        }

        if (args.Count > 0)
        {
            json.WriteStartObject("args");
            foreach (var (key, value) in args)
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
        }

        if (Max(facts))
        {
            WriteMountIds(json, "secrets", plan, "secret");
            WriteMountIds(json, "ssh", plan, "ssh");
        }

        json.WriteStartArray("locals");
        foreach (var local in new[] { "context", "dockerfile" })
        {
            json.WriteStartObject();
            json.WriteString("name", local);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>The ids of the secret (or ssh) mounts the plan's RUN steps use, optional unless one requires it; never a value.</summary>
    private static void WriteMountIds(Utf8JsonWriter json, string name, BuildPlan plan, string type)
    {
        var mounts = plan.Stages.SelectMany(s => s.Steps).OfType<RunStep>().SelectMany(r => r.Mounts).Where(m => m.Mount.Type == type)
            .GroupBy(m => m.Mount.Id ?? (type == "ssh" ? "default" : Path.GetFileName(m.Target)), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (mounts.Count == 0)
        {
            return;
        }

        json.WriteStartArray(name);
        foreach (var mount in mounts)
        {
            json.WriteStartObject();
            json.WriteString("id", mount.Key);
            if (!mount.Any(m => m.Mount.Required))
            {
                json.WriteBoolean("optional", true);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    /// <summary>Every image the plan reads (FROM, COPY --from, RUN --mount from=) for its platform, then every URL ADD fetched.</summary>
    private static IEnumerable<(string Uri, string Digest)> Dependencies(BuildPlan plan, IReadOnlyList<RemoteDownload> downloads)
    {
        var images = new List<(BaseImage Image, Platform Platform)>();
        foreach (var stage in plan.Stages)
        {
            if (stage.Base is ImageBase from)
            {
                images.Add((from.Image, stage.Platform));
            }

            foreach (var step in stage.Steps)
            {
                var sources = step switch
                {
                    CopyStep copy => [copy.Source],
                    RunStep run => run.Mounts.Select(m => m.From),
                    _ => [],
                };
                images.AddRange(sources.OfType<ImageSource>().Select(s => (s.Image, stage.Platform)));
            }
        }

        foreach (var (image, platform) in images.DistinctBy(i => (i.Image.Reference, i.Image.ManifestDigest)))
        {
            var uri = ImageReference.TryParse(image.Reference, out var reference, out _) ? PackageUrl.ForImage(reference, platform)
                : image.Reference.StartsWith(BuildContextValues.OciLayoutScheme, StringComparison.Ordinal) ? LayoutUri(image)
                : image.Reference;
            yield return (uri, image.ManifestDigest.ToString());
        }

        // A URL's user:password (a build arg's token in ADD http://user:${TOKEN}@host/…) never reaches the statement, as BuildKit redacts it.
        foreach (var download in downloads.DistinctBy(d => d.Url))
        {
            yield return (GitReference.Redact(download.Url), download.Digest);
        }
    }

    /// <summary>An image of a --build-context oci-layout: a pkg:oci purl of the layout's directory name and the image, never the host's path (as BuildKit).</summary>
    private static string LayoutUri(BaseImage image)
    {
        var root = image.Reference[BuildContextValues.OciLayoutScheme.Length..];
        root = root.Contains('@', StringComparison.Ordinal) ? root[..root.LastIndexOf('@')] : root;
        return $"pkg:oci/{Uri.EscapeDataString(Path.GetFileName(root.TrimEnd('/')))}@{image.ManifestDigest}";
    }

    private static void WriteRunDetails(Utf8JsonWriter json, ProvenanceFacts facts, BuildPlan plan, IReadOnlyList<ProvenanceStep> steps, ImageRecord subject)
    {
        json.WriteStartObject("runDetails");
        json.WriteStartObject("builder");
        json.WriteString("id", facts.Option.BuilderId);
        json.WriteEndObject();
        json.WriteStartObject("metadata");
        json.WriteString("invocationID", facts.InvocationId);
        json.WriteString("startedOn", Timestamp(facts.StartedOn));
        json.WriteString("finishedOn", Timestamp(facts.FinishedOn));
        json.WriteStartObject("buildkit_metadata");
        if (Max(facts))
        {
            WriteSource(json, facts, steps);
            WriteLayers(json, plan, steps, subject);
        }

        json.WriteEndObject();
        json.WriteStartObject("buildkit_completeness");
        // min drops the build args and labels: the request is then not all there, as BuildKit says.
        json.WriteBoolean("request", Max(facts) || (facts.BuildArgs.Count == 0 && facts.Labels.Count == 0));
        // The context is a local directory, whose files no dependency names.
        json.WriteBoolean("resolvedDependencies", false);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static string Timestamp(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>A digest set: <c>{"sha256": "HEX"}</c> from <c>sha256:HEX</c>.</summary>
    private static void WriteDigestSet(Utf8JsonWriter json, string name, string digest)
    {
        var colon = digest.IndexOf(':');
        json.WriteStartObject(name);
        json.WriteString(colon > 0 ? digest[..colon] : "sha256", digest[(colon + 1)..]);
        json.WriteEndObject();
    }
}
