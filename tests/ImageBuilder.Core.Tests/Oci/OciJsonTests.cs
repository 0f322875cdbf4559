using System.Text;
using System.Text.Json;
using ImageBuilder.Core.Oci;
using ImageBuilder.TestSupport.Oci;

namespace ImageBuilder.Core.Tests.Oci;

public sealed class OciJsonTests
{
    private static readonly Digest Sample = Digest.Parse("sha256:9d3dd9504c685a304985025df4ed0283e47ac9ffa9bd0326fddf4d59513f0827");

    private static Descriptor Layer(long size = 10) => new() { MediaType = MediaTypes.OciLayerGzip, Digest = Sample, Size = size };

    private static ImageManifest Manifest(params Descriptor[] layers) => new()
    {
        MediaType = MediaTypes.OciManifest,
        Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = Sample, Size = 2 },
        Layers = layers,
    };

    private static string Text(byte[] json) => Encoding.UTF8.GetString(json);

    [Fact]
    public void Same_model_gives_the_same_bytes_every_time()
    {
        var config = OciJson.Deserialize<ImageConfig>(OciSpecCorpus.Get("tests/config/compat-02-valid.json").Bytes());

        var first = OciJson.Serialize(config);
        var second = OciJson.Serialize(config);
        var ofCopy = OciJson.Serialize(config with { });

        Assert.Equal(first, second);
        Assert.Equal(first, ofCopy);
    }

    [Fact]
    public void Maps_built_in_a_different_order_give_the_same_bytes()
    {
        var one = Manifest(Layer()) with { Annotations = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1", ["\u00e9"] = "3", ["Z"] = "0" } };
        var other = Manifest(Layer()) with { Annotations = new Dictionary<string, string> { ["\u00e9"] = "3", ["Z"] = "0", ["a"] = "1", ["b"] = "2" } };

        Assert.Equal(OciJson.Serialize(one), OciJson.Serialize(other));
        Assert.Contains("\"annotations\":{\"Z\":\"0\",\"a\":\"1\",\"b\":\"2\",\"\u00e9\":\"3\"}", Text(OciJson.Serialize(one)));
    }

    [Fact]
    public void Output_is_compact_utf8_without_trailing_newline()
    {
        var json = OciJson.Serialize(Manifest(Layer()) with { Annotations = new Dictionary<string, string> { ["k"] = "v\u00e9" } });

        Assert.Equal(
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + Sample + "\",\"size\":2},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + Sample + "\",\"size\":10}],\"annotations\":{\"k\":\"v\u00e9\"}}",
            Text(json));
        Assert.NotEqual((byte)'\n', json[^1]);
        Assert.False(json.AsSpan().StartsWith(Encoding.UTF8.Preamble), "no byte order mark");
    }

    [Fact]
    public void Empty_optional_fields_are_left_out_and_required_ones_kept()
    {
        var descriptor = Layer(size: 0) with
        {
            Urls = [],
            Annotations = new Dictionary<string, string>(),
            ArtifactType = "",
            Data = ReadOnlyMemory<byte>.Empty,
        };
        var config = new ImageConfig
        {
            Architecture = "amd64",
            Os = "linux",
            Author = "",
            Config = new ExecutionConfig { Env = [], Labels = new Dictionary<string, string>(), ArgsEscaped = false, Healthcheck = new HealthCheck() },
            RootFs = new RootFs { DiffIds = [] },
            History = [new HistoryEntry { EmptyLayer = false }],
        };

        Assert.Equal($"{{\"mediaType\":\"{MediaTypes.OciLayerGzip}\",\"digest\":\"{Sample}\",\"size\":0}}", Text(OciJson.Serialize(descriptor)));
        Assert.Equal("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + Sample + "\",\"size\":2},\"layers\":[]}", Text(OciJson.Serialize(Manifest() with { MediaType = null })));
        Assert.Equal("{\"architecture\":\"amd64\",\"config\":{\"Healthcheck\":{}},\"history\":[{}],\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", Text(OciJson.Serialize(config)));
    }

    [Theory]
    [InlineData("a\"b\\c", "a\\\"b\\\\c")]
    [InlineData("\b\f\n\r\t", "\\b\\f\\n\\r\\t")]
    [InlineData("\u0001\u001f\u007f", "\\u0001\\u001f\u007f")]
    [InlineData("<a href=\"x\">&amp;</a>", "\\u003ca href=\\\"x\\\"\\u003e\\u0026amp;\\u003c/a\\u003e")]
    [InlineData("\u2028\u2029", "\\u2028\\u2029")]
    [InlineData("caf\u00e9 \u65e5\u672c \U0001F433 +/=", "caf\u00e9 \u65e5\u672c \U0001F433 +/=")]
    public void Strings_are_escaped_as_go_escapes_them(string value, string expected)
    {
        var json = Text(OciJson.Serialize(Layer() with { Annotations = new Dictionary<string, string> { ["k"] = value } }));

        Assert.EndsWith($"\"annotations\":{{\"k\":\"{expected}\"}}}}", json);
    }

    [Fact]
    public void A_lone_surrogate_becomes_the_replacement_character()
    {
        // Not an [InlineData] case: xunit's test-case serialization mangles lone surrogates.
        var json = OciJson.Serialize(Layer() with { Annotations = new Dictionary<string, string> { ["k"] = "x\ud800y" } });

        Assert.EndsWith("\"k\":\"x\uFFFDy\"}}", Text(json));
    }

    [Fact]
    public void Escaped_input_reads_back_to_the_same_text()
    {
        const string Json = """{"mediaType":"a/b","digest":"sha256:9d3dd9504c685a304985025df4ed0283e47ac9ffa9bd0326fddf4d59513f0827","size":1,"annotations":{"k":"\u003c\u00E9\uD83D\uDC33\n"}}""";

        var descriptor = OciJson.Deserialize<Descriptor>(Encoding.UTF8.GetBytes(Json));

        Assert.Equal("<\u00e9\U0001F433\n", descriptor.Annotations!["k"]);
        Assert.Contains("\"k\":\"\\u003c\u00e9\U0001F433\\n\"", Text(OciJson.Serialize(descriptor)));
    }

    [Fact]
    public void Writing_checks_the_model_too()
    {
        Assert.Equal("$.digest", Assert.Throws<OciFormatException>(() => OciJson.Serialize(new Descriptor { MediaType = "a/b", Digest = default, Size = 1 })).Field);
        Assert.Equal("$.layers[0].size", Assert.Throws<OciFormatException>(() => OciJson.Serialize(Manifest(Layer(size: -1)))).Field);
        Assert.Equal("$.config.mediaType", Assert.Throws<OciFormatException>(() => OciJson.Serialize(Manifest() with { Config = Layer() with { MediaType = "nope" } })).Field);
        Assert.Equal("$.layers[0]", Assert.Throws<OciFormatException>(() => OciJson.Serialize(Manifest([null!]))).Field);
        Assert.Equal("$.schemaVersion", Assert.Throws<OciFormatException>(() => OciJson.Serialize(Manifest() with { SchemaVersion = 1 })).Field);
    }

    [Theory]
    [InlineData("""{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:9d3dd9504c685a304985025df4ed0283e47ac9ffa9bd0326fddf4d59513f0827","size":1},"layers":[{"mediaType":"a/b","digest":"sha256:9d3dd95","size":1}]}""", "$.layers[0].digest")]
    [InlineData("""{"schemaVersion":1,"config":{"mediaType":"a/b","digest":"sha256:9d3dd9504c685a304985025df4ed0283e47ac9ffa9bd0326fddf4d59513f0827","size":1},"layers":[]}""", "$.schemaVersion")]
    [InlineData("""{"config":{"mediaType":"a/b","digest":"sha256:9d3dd9504c685a304985025df4ed0283e47ac9ffa9bd0326fddf4d59513f0827","size":1},"layers":[]}""", "$")]
    [InlineData("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","config":{"mediaType":"a/b","digest":"sha256:9d3dd9504c685a304985025df4ed0283e47ac9ffa9bd0326fddf4d59513f0827","size":1},"layers":[]}""", "$.mediaType")]
    [InlineData("""{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:9d3dd9504c685a304985025df4ed0283e47ac9ffa9bd0326fddf4d59513f0827","size":1},"layers":[null]}""", "$.layers[0]")]
    [InlineData("""{"schemaVersion":2,"config":{"mediaType":null,"digest":"sha256:9d3dd9504c685a304985025df4ed0283e47ac9ffa9bd0326fddf4d59513f0827","size":1},"layers":[]}""", "$.config.mediaType")]
    [InlineData("""{"schemaVersion":2,"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:9d3dd9504c685a304985025df4ed0283e47ac9ffa9bd0326fddf4d59513f0827","size":1},"layers":[]}""", "$.schemaVersion")]
    [InlineData("""{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:9d3dd9504c685a304985025df4ed0283e47ac9ffa9bd0326fddf4d59513f0827","size":1},"layers":[],"annotations":{"a":"1","a":"2"}}""", "$.annotations")]
    [InlineData("""{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:9d3dd9504c685a304985025df4ed0283e47ac9ffa9bd0326fddf4d59513f0827","size":1},"layers":[],"annotations":{"a":1}}""", "$.annotations")]
    [InlineData("""{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:9d3dd9504c685a304985025df4ed0283e47ac9ffa9bd0326fddf4d59513f0827","size":1.0},"layers":[]}""", "$.config.size")]
    [InlineData("""{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:9d3dd9504c685a304985025df4ed0283e47ac9ffa9bd0326fddf4d59513f0827","size":99999999999999999999},"layers":[]}""", "$.config.size")]
    [InlineData("""{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:9d3dd9504c685a304985025df4ed0283e47ac9ffa9bd0326fddf4d59513f0827","size":1},"layers":[]} x""", "$")]
    [InlineData("null", "$")]
    [InlineData("", "$")]
    [InlineData("[]", "$")]
    public void Bad_manifests_are_refused_naming_the_field(string json, string field)
    {
        var exception = Assert.Throws<OciFormatException>(() => OciJson.Deserialize<ImageManifest>(Encoding.UTF8.GetBytes(json)));

        Assert.Equal(field, exception.Field);
        Assert.Equal("image manifest", exception.Document);
        Assert.StartsWith($"invalid image manifest: {field}: ", exception.Message);
    }

    [Fact]
    public void Docker_schema1_manifest_is_refused_with_a_clear_message()
    {
        const string Json = """{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v1+prettyjws","config":{"mediaType":"a/b","digest":"sha256:9d3dd9504c685a304985025df4ed0283e47ac9ffa9bd0326fddf4d59513f0827","size":1},"layers":[]}""";

        var exception = Assert.Throws<OciFormatException>(() => OciJson.Deserialize<ImageManifest>(Encoding.UTF8.GetBytes(Json)));

        Assert.Contains("schema 1", exception.Message);
    }

    [Fact]
    public void Deep_nesting_is_refused_without_overflowing_the_stack()
    {
        var json = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"x\":" + new string('[', 100_000) + new string(']', 100_000) + "}";

        var exception = Assert.Throws<OciFormatException>(() => OciJson.Deserialize<ImageConfig>(Encoding.UTF8.GetBytes(json)));

        Assert.Contains("depth", exception.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Types_that_are_not_documents_are_a_programming_error()
    {
        Assert.Throws<NotSupportedException>(() => OciJson.Deserialize<RootFs>("{}"u8));
        Assert.Throws<NotSupportedException>(() => OciJson.Serialize("text"));
    }

    public static TheoryData<string> ValidFiles() => OciSpecCorpus.Files(document => document.Valid);

    // Truncations and byte flips of every valid corpus document: the reader either
    // accepts the result or throws OciFormatException, never anything else.
    [Theory]
    [MemberData(nameof(ValidFiles))]
    public void Damaged_documents_only_ever_raise_OciFormatException(string file)
    {
        var document = OciSpecCorpus.Get(file);
        var bytes = document.Bytes();
        byte[] replacements = [.. "\"{}[],:0123456789eE.-\\ntfalsu"u8, 0x00, 0x80, 0xC3, 0xFF];
        var random = new Random(file.Length * 7919);
        var damaged = Enumerable.Range(0, bytes.Length).Select(length => bytes[..length]).ToList();
        for (var i = 0; i < 300; i++)
        {
            var copy = (byte[])bytes.Clone();
            copy[random.Next(copy.Length)] = replacements[random.Next(replacements.Length)];
            damaged.Add(copy);
        }

        foreach (var input in damaged)
        {
            try
            {
                OciSpecCorpus.ReadAndWrite(document.MediaType, input);
            }
            catch (OciFormatException)
            {
            }
            catch (Exception exception)
            {
                Assert.Fail($"{file}: {exception.GetType().Name} for input {Encoding.UTF8.GetString(input)}: {exception}");
            }
        }
    }

    [Fact]
    public void SerializeWithDescriptor_describes_the_bytes_it_returns()
    {
        var (json, descriptor) = OciJson.SerializeWithDescriptor(Manifest(Layer()), MediaTypes.OciManifest);

        Assert.Equal(Digest.Sha256(json), descriptor.Digest);
        Assert.Equal(json.Length, descriptor.Size);
        Assert.Equal(MediaTypes.OciManifest, descriptor.MediaType);
        OciSchemaValidator.AssertValid(MediaTypes.OciDescriptor, OciJson.Serialize(descriptor));
    }

    [Fact]
    public void Data_is_base64_with_padding()
    {
        var descriptor = Descriptor.ForContent(MediaTypes.OciEmpty, "{}"u8) with { Data = "{}"u8.ToArray() };

        var json = Text(OciJson.Serialize(descriptor));

        Assert.Equal("{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2,\"data\":\"e30=\"}", json);
        Assert.Equal("{}"u8.ToArray(), OciJson.Deserialize<Descriptor>(Encoding.UTF8.GetBytes(json)).Data!.Value.ToArray());
        Assert.Throws<OciFormatException>(() => OciJson.Deserialize<Descriptor>(Encoding.UTF8.GetBytes(json.Replace("e30=", "e30"))));
    }

    [Fact]
    public void Unregistered_digest_algorithms_that_fit_the_grammar_are_accepted()
    {
        var json = """{"mediaType":"a/b","digest":"sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564","size":1}"""u8;

        var descriptor = OciJson.Deserialize<Descriptor>(json);

        Assert.Equal("sha256+b64u", descriptor.Digest.Algorithm);
        Assert.Equal(json.ToArray(), OciJson.Serialize(descriptor));
    }

    [Fact]
    public void Reading_does_not_depend_on_the_unknown_fields_json_parser_state()
    {
        // AdditionalFields outlive the buffer they were read from.
        var bytes = Encoding.UTF8.GetBytes("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"extra":{"a":[1,2]}}""");
        var config = OciJson.Deserialize<ImageConfig>(bytes);
        Array.Clear(bytes);

        Assert.Equal(JsonValueKind.Object, config.AdditionalFields!["extra"].ValueKind);
        Assert.Equal("""{"architecture":"amd64","extra":{"a":[1,2]},"os":"linux","rootfs":{"type":"layers","diff_ids":[]}}""", Text(OciJson.Serialize(config)));
    }
}
