using System.Text;
using System.Text.Json;
using ImageBuilder.Application.Provenance;
using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;
using ImageBuilder.Dockerfile;
using ImageBuilder.Planning;

namespace ImageBuilder.Application.Tests;

/// <summary>The SLSA v1 statement ibuild attaches: its shape, what min and max hold, what never enters it.</summary>
public sealed class ProvenanceStatementTests
{
    private const string Dockerfile = """
        FROM example.com/base:3 AS base
        ARG TOKEN_HINT
        RUN --mount=type=secret,id=npmrc,required=true echo built > /out
        FROM base
        ADD https://example.com/file.txt /file.txt
        RUN --mount=type=ssh true
        """;

    private static readonly Digest BaseDigest = Digest.Parse("sha256:" + new string('b', 64));
    private static readonly Digest Subject = Digest.Parse("sha256:" + new string('5', 64));
    private static readonly Platform Amd64 = Platform.Parse("linux/amd64");

    [Fact]
    public async Task Min_names_the_subject_the_Dockerfile_the_base_image_and_the_fetched_URL_but_no_build_arg_or_secret()
    {
        using var statement = await StatementAsync(ProvenanceMode.Min, [ImageReference.Parse("localhost:5000/app:1")]);
        var root = statement.RootElement;

        Assert.Equal("https://in-toto.io/Statement/v1", root.GetProperty("_type").GetString());
        Assert.Equal("https://slsa.dev/provenance/v1", root.GetProperty("predicateType").GetString());
        var subject = Assert.Single(root.GetProperty("subject").EnumerateArray());
        Assert.Equal("pkg:docker/localhost:5000/app@1?platform=linux%2Famd64", subject.GetProperty("name").GetString());
        Assert.Equal(Subject.Encoded, subject.GetProperty("digest").GetProperty("sha256").GetString());

        var definition = root.GetProperty("predicate").GetProperty("buildDefinition");
        Assert.Equal(ProvenanceStatement.BuildType, definition.GetProperty("buildType").GetString());
        var config = definition.GetProperty("externalParameters").GetProperty("configSource");
        Assert.Equal("Dockerfile", config.GetProperty("path").GetString());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(Dockerfile))),
            config.GetProperty("digest").GetProperty("sha256").GetString());
        var request = definition.GetProperty("externalParameters").GetProperty("request");
        Assert.Equal("dockerfile.v0", request.GetProperty("frontend").GetString());
        Assert.Equal("""{"target":"1"}""", request.GetProperty("args").GetRawText());
        Assert.False(request.TryGetProperty("secrets", out _));
        Assert.False(request.TryGetProperty("ssh", out _));
        Assert.Equal(["context", "dockerfile"], request.GetProperty("locals").EnumerateArray().Select(l => l.GetProperty("name").GetString()));
        Assert.False(definition.GetProperty("internalParameters").TryGetProperty("buildConfig", out _));

        Assert.Equal(
            [("pkg:docker/example.com/base@3?platform=linux%2Famd64", BaseDigest.Encoded), ("https://xxxxx@example.com/file.txt", new string('f', 64))],
            definition.GetProperty("resolvedDependencies").EnumerateArray()
                .Select(d => (d.GetProperty("uri").GetString(), d.GetProperty("digest").GetProperty("sha256").GetString())));

        Assert.DoesNotContain("t0ken-in-url", root.GetRawText());
        var metadata = root.GetProperty("predicate").GetProperty("runDetails").GetProperty("metadata");
        Assert.Equal("inv0123456789abcdefghijkl", metadata.GetProperty("invocationID").GetString());
        Assert.Equal("2026-01-02T03:04:05Z", metadata.GetProperty("startedOn").GetString());
        Assert.Equal("2026-01-02T03:04:09.5Z", metadata.GetProperty("finishedOn").GetString());
        Assert.Equal("{}", metadata.GetProperty("buildkit_metadata").GetRawText());
        // min dropped a build arg: the request is not complete; a local context never lists every dependency.
        Assert.Equal("""{"request":false,"resolvedDependencies":false}""", metadata.GetProperty("buildkit_completeness").GetRawText());
    }

    [Fact]
    public async Task Max_adds_build_args_labels_secret_and_ssh_ids_the_steps_the_Dockerfile_and_the_layers_of_each_step()
    {
        using var statement = await StatementAsync(ProvenanceMode.Max, []);
        var predicate = statement.RootElement.GetProperty("predicate");
        var request = predicate.GetProperty("buildDefinition").GetProperty("externalParameters").GetProperty("request");

        Assert.Equal("""{"build-arg:TOKEN_HINT":"use-a-secret","label:team":"blue","target":"1"}""", request.GetProperty("args").GetRawText());
        Assert.Equal("""[{"id":"npmrc"}]""", request.GetProperty("secrets").GetRawText());
        Assert.Equal("""[{"id":"default","optional":true}]""", request.GetProperty("ssh").GetRawText());

        var steps = predicate.GetProperty("buildDefinition").GetProperty("internalParameters").GetProperty("buildConfig").GetProperty("steps");
        Assert.Equal(["ARG", "RUN", "ADD", "RUN"], steps.EnumerateArray().Select(s => s.GetProperty("instruction").GetString()));
        Assert.Equal($"""["docker-image://example.com/base:3@{BaseDigest}"]""", steps[0].GetProperty("inputs").GetRawText());
        Assert.Equal("""["step1"]""", steps[2].GetProperty("inputs").GetRawText());

        var buildkit = predicate.GetProperty("runDetails").GetProperty("metadata").GetProperty("buildkit_metadata");
        var info = Assert.Single(buildkit.GetProperty("source").GetProperty("infos").EnumerateArray());
        Assert.Equal(Dockerfile, Encoding.UTF8.GetString(info.GetProperty("data").GetBytesFromBase64()));
        Assert.Equal(5, buildkit.GetProperty("source").GetProperty("locations").GetProperty("step2").GetProperty("locations")[0]
            .GetProperty("ranges")[0].GetProperty("start").GetProperty("line").GetInt32());

        // The image's layers: the base's, then one per step that made one; each step maps to the chain up to its own.
        var layers = buildkit.GetProperty("layers");
        Assert.Equal(["step1:0", "step2:0", "step3:0"], layers.EnumerateObject().Select(p => p.Name));
        Assert.Equal(3, layers.GetProperty("step2:0")[0].GetArrayLength());
        Assert.Equal(Layer(3).ToString(), layers.GetProperty("step2:0")[0][2].GetProperty("digest").GetString());
        Assert.Equal("""{"request":true,"resolvedDependencies":false}""",
            predicate.GetProperty("runDetails").GetProperty("metadata").GetProperty("buildkit_completeness").GetRawText());

        // An unnamed image is the subject "_" (an in-toto subject list is never empty).
        Assert.Equal("_", statement.RootElement.GetProperty("subject")[0].GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("true", ProvenanceMode.Min)]
    [InlineData("1", ProvenanceMode.Min)]
    [InlineData("false", ProvenanceMode.Off)]
    [InlineData("0", ProvenanceMode.Off)]
    [InlineData("mode=min", ProvenanceMode.Min)]
    [InlineData("mode=max", ProvenanceMode.Max)]
    [InlineData("type=provenance,mode=max", ProvenanceMode.Max)]
    [InlineData("mode=max,disabled=true", ProvenanceMode.Off)]
    public void The_option_reads_buildxs_forms(string text, ProvenanceMode mode) => Assert.Equal(mode, ProvenanceOption.Parse(text).Mode);

    [Theory]
    [InlineData("mode=all")]
    [InlineData("sbom=true")]
    public void A_bad_option_says_what(string text) => Assert.Throws<FormatException>(() => ProvenanceOption.Parse(text));

    [Theory]
    [InlineData("busybox", null, "pkg:docker/busybox@latest")]
    [InlineData("ghcr.io/org/team/app:v1.2", "linux/arm64/v8", "pkg:docker/ghcr.io/org/team/app@v1.2?platform=linux%2Farm64%2Fv8")]
    public void Image_references_become_package_urls_as_BuildKit_writes_them(string reference, string? platform, string expected) =>
        Assert.Equal(expected, PackageUrl.ForImage(ImageReference.Parse(reference), platform is null ? null : Platform.Parse(platform)));

    private static Digest Layer(int n) => Digest.Parse("sha256:" + new string((char)('0' + n), 64));

    private static async Task<JsonDocument> StatementAsync(ProvenanceMode mode, IReadOnlyList<ImageReference> names)
    {
        var baseConfig = new ImageConfig
        {
            Architecture = "amd64",
            Os = "linux",
            RootFs = new RootFs { DiffIds = [Layer(1)] },
            History = [new HistoryEntry { CreatedBy = "base layer" }],
        };
        var options = new PlanOptions
        {
            Target = "1",
            Platform = Amd64,
            BuildArgs = new Dictionary<string, string> { ["TOKEN_HINT"] = "use-a-secret" },
            Labels = new Dictionary<string, string> { ["team"] = "blue" },
        };
        var plan = await new Planner(new OneImage(new BaseImage("example.com/base:3", BaseDigest, baseConfig)))
            .PlanAsync(DockerfileParser.Parse(Dockerfile), options, CancellationToken.None);

        // The image as built: the base's layer and one layer per RUN/ADD step, its history as the engine writes it.
        var steps = plan.Stages.SelectMany(s => s.Steps).ToList();
        var config = baseConfig with
        {
            RootFs = new RootFs { DiffIds = [Layer(1), Layer(2), Layer(3), Layer(4)] },
            History = [.. baseConfig.History!, .. steps.Select(s => new HistoryEntry { CreatedBy = s.CreatedBy, EmptyLayer = !s.ChangesFiles })],
        };
        var layers = config.RootFs.DiffIds.Select(d => new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = d, Size = 10 }).ToList();
        var image = new ImageRecord(
            new Descriptor { MediaType = MediaTypes.OciManifest, Digest = Subject, Size = 500 },
            new ImageManifest { MediaType = MediaTypes.OciManifest, Config = layers[0], Layers = layers },
            config,
            names);
        var facts = new ProvenanceFacts(new ProvenanceOption(mode), "inv0123456789abcdefghijkl",
            DateTimeOffset.Parse("2026-01-02T03:04:05Z", System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.Parse("2026-01-02T03:04:09.5Z", System.Globalization.CultureInfo.InvariantCulture), "Dockerfile", Dockerfile)
        {
            Target = options.Target,
            BuildArgs = options.BuildArgs,
            Labels = options.Labels,
        };
        // The URL as ADD fetched it, a build arg's credentials in it: the statement must not carry them.
        var downloads = new[] { new RemoteDownload("https://bot:t0ken-in-url@example.com/file.txt", "sha256:" + new string('f', 64)) };
        return JsonDocument.Parse(ProvenanceStatement.Create(facts, plan, downloads, image, names, Amd64));
    }

    private sealed class OneImage(BaseImage image) : IImageSource
    {
        public Task<BaseImage?> FindAsync(string reference, Platform platform, CancellationToken cancellationToken) =>
            Task.FromResult<BaseImage?>(reference == image.Reference ? image : null);
    }
}
