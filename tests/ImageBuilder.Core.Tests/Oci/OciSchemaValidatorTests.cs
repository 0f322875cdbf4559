using System.Text;
using System.Text.Json.Nodes;
using ImageBuilder.Core.Oci;
using ImageBuilder.TestSupport.Oci;

namespace ImageBuilder.Core.Tests.Oci;

/// <summary>
/// The OCI schema validator refuses documents that break the schema in each way the
/// schemas can express, naming the place; it is what exporter tests rely on.
/// </summary>
public sealed class OciSchemaValidatorTests
{
    private static JsonNode ValidManifest() => JsonNode.Parse(OciSpecCorpus.Get("examples/manifest/00.json").Bytes())!;

    private static JsonNode ValidIndex() => JsonNode.Parse(OciSpecCorpus.Get("examples/image-layout/01.json").Bytes())!;

    private static JsonNode ValidConfig() => JsonNode.Parse(OciSpecCorpus.Get("examples/config/00.json").Bytes())!;

    private static IReadOnlyList<string> Check(string mediaType, JsonNode document) =>
        OciSchemaValidator.Validate(mediaType, Encoding.UTF8.GetBytes(document.ToJsonString()));

    public static TheoryData<string, string, string> Breakages() => new()
    {
        // media type, what to break (applied below), the path the error must name
        { MediaTypes.OciManifest, "drop schemaVersion", "$" },
        { MediaTypes.OciManifest, "schemaVersion 3", "$.schemaVersion" },
        { MediaTypes.OciManifest, "schemaVersion \"2\"", "$.schemaVersion" },
        { MediaTypes.OciManifest, "config is a string", "$.config" },
        { MediaTypes.OciManifest, "drop config.digest", "$.config" },
        { MediaTypes.OciManifest, "config.size -1", "$.config.size" },
        { MediaTypes.OciManifest, "config.size 1.5", "$.config.size" },
        { MediaTypes.OciManifest, "layers empty", "$.layers" },
        { MediaTypes.OciManifest, "layer digest upper-case algorithm", "$.layers[1].digest" },
        { MediaTypes.OciManifest, "layer mediaType without subtype", "$.layers[2].mediaType" },
        { MediaTypes.OciManifest, "layer urls relative", "$.layers[0].urls[0]" },
        { MediaTypes.OciManifest, "layer annotation value a number", "$.layers[0].annotations.k" },
        { MediaTypes.OciManifest, "annotations an array", "$.annotations" },
        { MediaTypes.OciManifest, "subject a string", "$.subject" },
        { MediaTypes.OciManifest, "artifactType bad", "$.artifactType" },
        { MediaTypes.OciIndex, "drop manifests", "$" },
        { MediaTypes.OciIndex, "entry size a string", "$.manifests[0].size" },
        { MediaTypes.OciIndex, "entry platform without os", "$.manifests[1].platform" },
        { MediaTypes.OciIndex, "entry platform os.features a string", "$.manifests[1].platform[\"os.features\"]" },
        { MediaTypes.OciIndex, "entry annotations value null", "$.manifests[0].annotations[\"org.opencontainers.image.ref.name\"]" },
        { MediaTypes.OciConfig, "drop rootfs", "$" },
        { MediaTypes.OciConfig, "rootfs.type tarball", "$.rootfs.type" },
        { MediaTypes.OciConfig, "drop rootfs.diff_ids", "$.rootfs" },
        { MediaTypes.OciConfig, "created not a time", "$.created" },
        { MediaTypes.OciConfig, "Cmd a string", "$.config.Cmd" },
        { MediaTypes.OciConfig, "ExposedPorts value a string", "$.config.ExposedPorts[\"8080/tcp\"]" },
        { MediaTypes.OciConfig, "Labels value a number", "$.config.Labels" }, // inside a oneOf with null
        { MediaTypes.OciConfig, "ArgsEscaped a string", "$.config.ArgsEscaped" },
        { MediaTypes.OciConfig, "history empty_layer a string", "$.history[1].empty_layer" },
        { MediaTypes.OciLayoutHeader, "layout version 1.0.1", "$.imageLayoutVersion" },
        { MediaTypes.OciDescriptor, "descriptor data a number", "$.data" },
    };

    [Theory]
    [MemberData(nameof(Breakages))]
    public void Broken_documents_are_refused_at_the_right_place(string mediaType, string breakage, string path)
    {
        var document = Break(breakage);

        var errors = Check(mediaType, document);

        Assert.True(errors.Any(error => error.StartsWith(path + ":", StringComparison.Ordinal)), $"{breakage}: [{string.Join("; ", errors)}]");
    }

    [Fact]
    public void The_untouched_documents_are_valid()
    {
        Assert.Empty(Check(MediaTypes.OciManifest, ValidManifest()));
        Assert.Empty(Check(MediaTypes.OciIndex, ValidIndex()));
        Assert.Empty(Check(MediaTypes.OciConfig, ValidConfig()));
    }

    [Fact]
    public void Each_schema_file_is_known_under_every_image_spec_url()
    {
        var set = OciSchemaValidator.Load(OciSchemaValidator.SchemaDirectory);

        Assert.Superset(
            new HashSet<string>
            {
                "https://opencontainers.org/schema/image/config",
                "https://opencontainers.org/schema/descriptor",
                "https://opencontainers.org/schema/image/content-descriptor.json",
                "https://opencontainers.org/schema/image/descriptor/mediaType",
                "https://opencontainers.org/schema/defs-descriptor.json",
                "https://opencontainers.org/schema/image/defs-descriptor.json",
                "https://opencontainers.org/schema/defs.json",
                "https://opencontainers.org/schema/image/defs.json",
                "https://opencontainers.org/schema/image/descriptor/defs.json",
                "https://opencontainers.org/schema/image/index",
                "https://opencontainers.org/schema/image/layout",
                "https://opencontainers.org/schema/image/manifest",
            },
            set.Uris.ToHashSet());
    }

    // Documents that use every property of their schema, so that every $ref is followed
    // (an unresolvable one throws); and the same documents made invalid deep inside.
    [Theory]
    [InlineData(MediaTypes.OciManifest, """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"a/b","config":{"mediaType":"a/b","size":1,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","urls":["https://x/y"],"data":"e30=","artifactType":"a/b","annotations":{"k":"v"}},"layers":[{"mediaType":"a/b","size":1,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}],"subject":{"mediaType":"a/b","size":1,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"annotations":{"k":"v"}}""")]
    [InlineData(MediaTypes.OciIndex, """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","artifactType":"a/b","manifests":[{"mediaType":"a/b","size":1,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","urls":["https://x/y"],"platform":{"architecture":"amd64","os":"windows","os.version":"10","os.features":["win32k"],"variant":"v1"},"annotations":{"k":"v"}}],"subject":{"mediaType":"a/b","size":1,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","annotations":{"k":"v"}},"annotations":{"k":"v"}}""")]
    [InlineData(MediaTypes.OciConfig, """{"created":"2015-10-31T22:22:56.015925234Z","author":"a","architecture":"amd64","variant":"v1","os":"linux","os.version":"1","os.features":["f"],"config":{"User":"u","ExposedPorts":{"80/tcp":{}},"Env":["A=1"],"Entrypoint":null,"Cmd":["x"],"Volumes":{"/v":{}},"WorkingDir":"/","Labels":{"k":"v"},"StopSignal":"SIGTERM","ArgsEscaped":true},"rootfs":{"diff_ids":[],"type":"layers"},"history":[{"created":"2015-10-31T22:22:56Z","author":"a","created_by":"b","comment":"c","empty_layer":true}]}""")]
    public void Documents_using_every_property_validate_and_break_deep_inside(string mediaType, string json)
    {
        Assert.Empty(OciSchemaValidator.Validate(mediaType, Encoding.UTF8.GetBytes(json)));

        var broken = json.Replace("\"k\":\"v\"", "\"k\":7", StringComparison.Ordinal).Replace("\"a/b\"", "\"ab\"", StringComparison.Ordinal);
        var errors = OciSchemaValidator.Validate(mediaType, Encoding.UTF8.GetBytes(broken));

        var expected = json.Split("\"k\":\"v\"").Length - 1 + json.Split("\"a/b\"").Length - 1;
        Assert.Equal(expected, errors.Count);
    }

    [Fact]
    public void Media_types_map_to_schemas()
    {
        Assert.Equal(OciSchemaValidator.ManifestSchema, OciSchemaValidator.SchemaFor(MediaTypes.DockerManifest));
        Assert.Equal(OciSchemaValidator.IndexSchema, OciSchemaValidator.SchemaFor(MediaTypes.DockerManifestList));
        Assert.Equal(OciSchemaValidator.ConfigSchema, OciSchemaValidator.SchemaFor(MediaTypes.DockerConfig));
        Assert.Throws<ArgumentException>(() => OciSchemaValidator.Validate(MediaTypes.OciLayerGzip, "{}"u8));
    }

    [Fact]
    public void AssertValid_fails_the_test_with_the_errors()
    {
        var failure = Assert.ThrowsAny<Exception>(() => OciSchemaValidator.AssertValid(MediaTypes.OciManifest, "{}"u8));

        Assert.Contains("missing required property \"schemaVersion\"", failure.Message);
    }

    private static JsonNode Break(string breakage)
    {
        switch (breakage)
        {
            case "drop schemaVersion": return With(ValidManifest(), m => m.AsObject().Remove("schemaVersion"));
            case "schemaVersion 3": return With(ValidManifest(), m => m["schemaVersion"] = 3);
            case "schemaVersion \"2\"": return With(ValidManifest(), m => m["schemaVersion"] = "2");
            case "config is a string": return With(ValidManifest(), m => m["config"] = "sha256:x");
            case "drop config.digest": return With(ValidManifest(), m => m["config"]!.AsObject().Remove("digest"));
            case "config.size -1": return With(ValidManifest(), m => m["config"]!["size"] = -1);
            case "config.size 1.5": return With(ValidManifest(), m => m["config"]!["size"] = 1.5);
            case "layers empty": return With(ValidManifest(), m => m["layers"] = new JsonArray());
            case "layer digest upper-case algorithm": return With(ValidManifest(), m => m["layers"]![1]!["digest"] = "SHA256:abc");
            case "layer mediaType without subtype": return With(ValidManifest(), m => m["layers"]![2]!["mediaType"] = "application");
            case "layer urls relative": return With(ValidManifest(), m => m["layers"]![0]!["urls"] = new JsonArray("/blobs/x"));
            case "layer annotation value a number": return With(ValidManifest(), m => m["layers"]![0]!["annotations"] = new JsonObject { ["k"] = 1 });
            case "annotations an array": return With(ValidManifest(), m => m["annotations"] = new JsonArray());
            case "subject a string": return With(ValidManifest(), m => m["subject"] = "x");
            case "artifactType bad": return With(ValidManifest(), m => m["artifactType"] = "foo/.bar");
            case "drop manifests": return With(ValidIndex(), i => i.AsObject().Remove("manifests"));
            case "entry size a string": return With(ValidIndex(), i => i["manifests"]![0]!["size"] = "7143");
            case "entry platform without os": return With(ValidIndex(), i => i["manifests"]![1]!["platform"]!.AsObject().Remove("os"));
            case "entry platform os.features a string": return With(ValidIndex(), i => i["manifests"]![1]!["platform"]!["os.features"] = "win32k");
            case "entry annotations value null": return With(ValidIndex(), i => i["manifests"]![0]!["annotations"]!["org.opencontainers.image.ref.name"] = null);
            case "drop rootfs": return With(ValidConfig(), c => c.AsObject().Remove("rootfs"));
            case "rootfs.type tarball": return With(ValidConfig(), c => c["rootfs"]!["type"] = "tarball");
            case "drop rootfs.diff_ids": return With(ValidConfig(), c => c["rootfs"]!.AsObject().Remove("diff_ids"));
            case "created not a time": return With(ValidConfig(), c => c["created"] = "yesterday");
            case "Cmd a string": return With(ValidConfig(), c => c["config"]!["Cmd"] = "sh");
            case "ExposedPorts value a string": return With(ValidConfig(), c => c["config"]!["ExposedPorts"]!["8080/tcp"] = "");
            case "Labels value a number": return With(ValidConfig(), c => c["config"]!["Labels"]!["com.example.project.git.url"] = 1);
            case "ArgsEscaped a string": return With(ValidConfig(), c => c["config"]!["ArgsEscaped"] = "true");
            case "history empty_layer a string": return With(ValidConfig(), c => c["history"]![1]!["empty_layer"] = "true");
            case "layout version 1.0.1": return new JsonObject { ["imageLayoutVersion"] = "1.0.1" };
            case "descriptor data a number": return With(JsonNode.Parse(OciSpecCorpus.Get("tests/descriptor/20-valid.json").Bytes())!, d => d["data"] = 5);
            default: throw new ArgumentException(breakage);
        }
    }

    private static JsonNode With(JsonNode node, Action<JsonNode> change)
    {
        change(node);
        return node;
    }
}
