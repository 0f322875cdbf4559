using System.Text;
using System.Text.Json;
using ImageBuilder.Core.Oci;
using ImageBuilder.TestSupport.Oci;

namespace ImageBuilder.Core.Tests.Oci;

public sealed class ImageConfigTests
{
    private static byte[] DockerHubConfig => OciSpecCorpus.Get("tests/config/compat-02-valid.json").Bytes();

    [Fact]
    public void Docker_hub_config_keeps_every_field_it_carries()
    {
        var config = OciJson.Deserialize<ImageConfig>(DockerHubConfig);

        Assert.Equal(["container", "container_config", "docker_version"], config.AdditionalFields!.Keys.Order());
        Assert.Equal("1.12.1", config.AdditionalFields["docker_version"].GetString());
        Assert.Equal(["AttachStderr", "AttachStdin", "AttachStdout", "Domainname", "Hostname", "Image", "OpenStdin", "StdinOnce", "Tty"], config.Config!.AdditionalFields!.Keys.Order());
        Assert.Equal(["docker-entrypoint.sh"], config.Config.Entrypoint);
        Assert.Equal(4, config.RootFs.DiffIds.Count);
        Assert.Equal(9, config.History!.Count);
        Assert.Equal("2016-10-10T23:04:00.821781828Z", config.Created);

        var written = OciJson.Serialize(config);
        var reread = OciJson.Deserialize<ImageConfig>(written);

        Assert.Equal(
            config.AdditionalFields["container_config"].GetRawText(),
            reread.AdditionalFields!["container_config"].GetRawText());
        Assert.Equal("09713501c176", reread.Config!.AdditionalFields!["Hostname"].GetString());
    }

    [Fact]
    public void Docker_hub_config_keeps_its_digest_once_canonical()
    {
        // The vendored file is not in canonical form (it has "Volumes":null, "User":"",
        // keys out of order); once written by ibuild, re-saving never changes it again.
        var canonical = OciJson.Serialize(OciJson.Deserialize<ImageConfig>(DockerHubConfig));

        var resaved = OciJson.Serialize(OciJson.Deserialize<ImageConfig>(canonical));

        Assert.Equal(Digest.Sha256(canonical), Digest.Sha256(resaved));
        Assert.Equal(canonical, resaved);
        OciSchemaValidator.AssertValid(MediaTypes.DockerConfig, resaved);
        Assert.Equal(JsonComparison.Normalize(DockerHubConfig), JsonComparison.Normalize(resaved));
    }

    [Fact]
    public void Unknown_fields_sort_in_among_the_known_ones_at_the_top_level()
    {
        const string Json = """{"zeta":1,"rootfs":{"type":"layers","diff_ids":[],"extra":true},"os":"linux","architecture":"amd64","container":"c","config":{"Hostname":"h","Env":["A=1"]},"history":[{"created_by":"x","future":[1]}]}""";

        var written = Encoding.UTF8.GetString(OciJson.Serialize(OciJson.Deserialize<ImageConfig>(Encoding.UTF8.GetBytes(Json))));

        Assert.Equal("""{"architecture":"amd64","config":{"Env":["A=1"],"Hostname":"h"},"container":"c","history":[{"created_by":"x","future":[1]}],"os":"linux","rootfs":{"type":"layers","diff_ids":[],"extra":true},"zeta":1}""", written);
    }

    [Fact]
    public void An_additional_field_may_not_repeat_a_known_one()
    {
        var extra = OciJson.Deserialize<ImageConfig>("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{"Env":["A=1"],"Hostname":"h"},"x":1}"""u8);
        var clash = JsonDocument.Parse("""{"os":"windows","Env":[]}""").RootElement;
        var config = extra with { AdditionalFields = new Dictionary<string, JsonElement> { ["os"] = clash.GetProperty("os") } };
        var nested = extra with { Config = extra.Config! with { AdditionalFields = new Dictionary<string, JsonElement> { ["Env"] = clash.GetProperty("Env") } } };

        Assert.Equal("$.os", Assert.Throws<OciFormatException>(() => OciJson.Serialize(config)).Field);
        Assert.Equal("$.config.Env", Assert.Throws<OciFormatException>(() => OciJson.Serialize(nested)).Field);
    }

    [Fact]
    public void Healthcheck_ports_and_volumes_round_trip()
    {
        const string Json = """{"architecture":"amd64","config":{"ExposedPorts":{"80/tcp":{},"53/udp":{}},"Volumes":{"/var/lib/data":{}},"Healthcheck":{"Test":["CMD","true"],"Interval":1000000001,"Timeout":2,"StartPeriod":3,"StartInterval":4,"Retries":5},"Shell":["/bin/sh","-c"],"OnBuild":["RUN x"]},"os":"linux","rootfs":{"type":"layers","diff_ids":[]}}""";

        var config = OciJson.Deserialize<ImageConfig>(Encoding.UTF8.GetBytes(Json)).Config!;

        Assert.Equal(["80/tcp", "53/udp"], config.ExposedPorts);
        Assert.Equal(["/var/lib/data"], config.Volumes);
        Assert.Equal(1_000_000_001, config.Healthcheck!.Interval);
        Assert.Equal((2, 3, 4, 5), (config.Healthcheck.Timeout, config.Healthcheck.StartPeriod, config.Healthcheck.StartInterval, config.Healthcheck.Retries));
        Assert.Equal(["CMD", "true"], config.Healthcheck.Test);
        var written = Encoding.UTF8.GetString(OciJson.Serialize(new ImageConfig
        {
            Architecture = "amd64",
            Os = "linux",
            Config = config,
            RootFs = new RootFs { DiffIds = [] },
        }));
        Assert.Contains("""{"ExposedPorts":{"53/udp":{},"80/tcp":{}},"Volumes":{"/var/lib/data":{}},"Healthcheck":{"Test":["CMD","true"],"Interval":1000000001,"Timeout":2,"StartPeriod":3,"StartInterval":4,"Retries":5},"OnBuild":["RUN x"],"Shell":["/bin/sh","-c"]}""", written);
    }

    [Fact]
    public void Platform_of_a_config()
    {
        var config = OciJson.Deserialize<ImageConfig>(OciSpecCorpus.Get("tests/config/07-valid.json").Bytes());

        Assert.Equal("linux/arm64/v8", config.Platform.ToString());
    }

    [Theory]
    [InlineData("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"created":"yesterday"}""", "$.created")]
    [InlineData("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"created":"2024-02-30T00:00:00Z"}""", "$.created")]
    [InlineData("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"history":[{},{"created":"2024-01-01 00:00:00Z"}]}""", "$.history[1].created")]
    [InlineData("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"history":[null]}""", "$.history[0]")]
    [InlineData("""{"architecture":"amd64","os":"linux","rootfs":{"type":"tarball","diff_ids":[]}}""", "$.rootfs.type")]
    [InlineData("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:ABC"]}}""", "$.rootfs.diff_ids[0]")]
    [InlineData("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers"}}""", "$.rootfs")]
    [InlineData("""{"architecture":"amd64","os":"linux"}""", "$")]
    [InlineData("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{"Env":["A=1","=x"]}}""", "$.config.Env[1]")]
    [InlineData("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{"Env":["A=1",null]}}""", "$.config.Env")]
    [InlineData("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{"ExposedPorts":{"80/tcp":"yes"}}}""", "$.config.ExposedPorts")]
    [InlineData("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{"Labels":{"a":null}}}""", "$.config.Labels")]
    [InlineData("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{"Healthcheck":{"Interval":"30s"}}}""", "$.config.Healthcheck.Interval")]
    [InlineData("""{"architecture":"amd64","os":null,"rootfs":{"type":"layers","diff_ids":[]}}""", "$.os")]
    public void Bad_configs_are_refused_naming_the_field(string json, string field)
    {
        var exception = Assert.Throws<OciFormatException>(() => OciJson.Deserialize<ImageConfig>(Encoding.UTF8.GetBytes(json)));

        Assert.Equal(field, exception.Field);
    }

    [Theory]
    [InlineData("PATH=/bin")]
    [InlineData("EMPTY=")]
    [InlineData("A=b=c")]
    [InlineData("MULTI=line1\nline2")]
    public void Env_entries_need_a_name_and_an_equals_sign(string entry)
    {
        var config = new ImageConfig { Architecture = "amd64", Os = "linux", RootFs = new RootFs { DiffIds = [] }, Config = new ExecutionConfig { Env = [entry] } };

        Assert.Equal([entry], OciJson.Deserialize<ImageConfig>(OciJson.Serialize(config)).Config!.Env);
        Assert.Throws<OciFormatException>(() => OciJson.Serialize(config with { Config = new ExecutionConfig { Env = [entry.Replace("=", "", StringComparison.Ordinal)] } }));
    }
}
