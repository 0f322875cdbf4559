using System.Text;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Tests.Oci;

public sealed class DigestTests
{
    [Fact]
    public void Sha256_of_known_input_matches_the_published_value()
    {
        var digest = Digest.Sha256(Encoding.ASCII.GetBytes("abc"));

        Assert.Equal("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", digest.ToString());
    }

    [Theory]
    [InlineData("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564")]
    [InlineData("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8")]
    public void Valid_digests_parse_and_print_back(string text)
    {
        Assert.Equal(text, Digest.Parse(text).ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("sha256")]
    [InlineData("sha256:")]
    [InlineData("sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")]
    [InlineData("sha256:ba7816bf")]
    [InlineData("SHA256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("sha256+:abc")]
    public void Invalid_digests_are_rejected(string text)
    {
        Assert.False(Digest.TryParse(text, out _));
        Assert.Throws<FormatException>(() => Digest.Parse(text));
    }
}
