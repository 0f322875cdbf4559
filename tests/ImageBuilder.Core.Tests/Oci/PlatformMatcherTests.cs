using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Tests.Oci;

public sealed class PlatformMatcherTests
{
    private static Descriptor Entry(string platform, char digit) => new()
    {
        MediaType = MediaTypes.OciManifest,
        Digest = Digest.Parse("sha256:" + new string(digit, 64)),
        Size = 1,
        Platform = platform == "none" ? null : ParsePlatform(platform),
    };

    private static Platform ParsePlatform(string text)
    {
        var parts = text.Split('/');
        return new Platform { Os = parts[0], Architecture = parts[1], Variant = parts.Length > 2 ? parts[2] : null };
    }

    private static readonly ImageIndex Index = new()
    {
        Manifests =
        [
            Entry("unknown/unknown", '0'),
            Entry("linux/arm/v6", '1'),
            Entry("linux/arm64/v8", '2'),
            Entry("linux/amd64", '3'),
            Entry("linux/arm/v7", '4'),
            Entry("windows/amd64", '5'),
            Entry("none", '6'),
        ],
    };

    [Theory]
    [InlineData("linux/amd64", '3')]
    [InlineData("linux/x86_64", '3')]
    [InlineData("linux/arm64", '2')]
    [InlineData("linux/arm64/v8", '2')]
    [InlineData("linux/arm/v7", '4')]
    [InlineData("linux/arm", '4')]
    [InlineData("linux/arm/v6", '1')]
    [InlineData("linux/arm/v8", '4')]
    [InlineData("windows/amd64", '5')]
    public void The_matching_entry_is_chosen(string platform, char digit) =>
        Assert.Equal(new string(digit, 64), PlatformMatcher.Select(Index, Platform.Parse(platform))?.Digest.Encoded);

    [Theory]
    [InlineData("linux/s390x")]
    [InlineData("linux/arm/v5")]
    [InlineData("darwin/arm64")]
    public void No_entry_runs_there(string platform) =>
        Assert.Null(PlatformMatcher.Select(Index, Platform.Parse(platform)));

    [Fact]
    public void An_older_amd64_level_serves_a_newer_machine_but_not_the_reverse()
    {
        var index = new ImageIndex { Manifests = [Entry("linux/amd64/v2", 'a')] };

        Assert.NotNull(PlatformMatcher.Select(index, Platform.Parse("linux/amd64/v3")));
        Assert.Null(PlatformMatcher.Select(index, Platform.Parse("linux/amd64")));
    }
}
