using System.Runtime.InteropServices;
using System.Text;
using ImageBuilder.Core.Oci;
using ImageBuilder.TestSupport.Oci;

namespace ImageBuilder.Core.Tests.Oci;

public sealed class PlatformTests
{
    [Theory]
    [InlineData("linux/amd64", "linux", "amd64", null)]
    [InlineData("linux/arm64/v8", "linux", "arm64", "v8")]
    [InlineData("linux/arm/v7", "linux", "arm", "v7")]
    [InlineData("windows/amd64", "windows", "amd64", null)]
    [InlineData("linux/s390x", "linux", "s390x", null)]
    public void Parse_and_format_round_trip(string text, string os, string architecture, string? variant)
    {
        var platform = Platform.Parse(text);

        Assert.Equal((os, architecture, variant), (platform.Os, platform.Architecture, platform.Variant));
        Assert.Equal(text, platform.ToString());
    }

    [Theory]
    [InlineData("linux/x86_64", "linux/amd64")]
    [InlineData("Linux/AMD64", "linux/amd64")]
    [InlineData("linux/aarch64", "linux/arm64")]
    [InlineData("linux/aarch64/v8", "linux/arm64/v8")]
    [InlineData("linux/armhf", "linux/arm/v7")]
    [InlineData("linux/armel", "linux/arm/v6")]
    [InlineData("linux/i386", "linux/386")]
    public void Common_architecture_names_are_normalized(string text, string expected) =>
        Assert.Equal(expected, Platform.Parse(text).ToString());

    [Theory]
    [InlineData("")]
    [InlineData("linux")]
    [InlineData("linux/")]
    [InlineData("/amd64")]
    [InlineData("linux/arm/v7/extra")]
    [InlineData("linux/am d64")]
    [InlineData(null)]
    public void Malformed_platforms_are_refused(string? text)
    {
        Assert.False(Platform.TryParse(text, out _));
        if (text is not null)
        {
            Assert.Throws<FormatException>(() => Platform.Parse(text));
        }
    }

    [Fact]
    public void Current_platform_is_this_machine()
    {
        var current = Platform.Current;

        Assert.Equal(OperatingSystem.IsLinux() ? "linux" : current.Os, current.Os);
        var expected = RuntimeInformation.OSArchitecture switch
        {
            Architecture.X64 => "amd64",
            Architecture.Arm64 => "arm64",
            _ => current.Architecture,
        };
        Assert.Equal(expected, current.Architecture);
        Assert.True(Platform.TryParse(current.ToString(), out var reparsed));
        Assert.Equal(current.ToString(), reparsed.ToString());
    }

    [Fact]
    public void Platform_json_uses_the_spec_names()
    {
        var platform = new Platform { Os = "windows", Architecture = "amd64", OsVersion = "10.0.17763.1", OsFeatures = ["win32k"], Variant = "" };

        var json = OciJson.Serialize(platform);

        Assert.Equal("""{"architecture":"amd64","os":"windows","os.version":"10.0.17763.1","os.features":["win32k"]}""", Encoding.UTF8.GetString(json));
        Assert.Equal("10.0.17763.1", OciJson.Deserialize<Platform>(json).OsVersion);
        Assert.Empty(OciSchemaValidator.Validate(MediaTypes.OciIndex, Encoding.UTF8.GetBytes(
            $$"""{"schemaVersion":2,"manifests":[{"mediaType":"a/b","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"platform":{{Encoding.UTF8.GetString(json)}}}]}""")));
    }
}
