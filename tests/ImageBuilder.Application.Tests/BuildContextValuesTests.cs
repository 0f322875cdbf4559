using ImageBuilder.Application;
using ImageBuilder.Core.Oci;
using ImageBuilder.Planning;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Application.Tests;

/// <summary><c>--build-context NAME=VALUE</c> read as buildx reads it: names normalized, the three kinds of value, the layout's image picked up front.</summary>
public sealed class BuildContextValuesTests : IDisposable
{
    private readonly TempDirectory dir = new("ibuild-contexts-");

    public void Dispose() => dir.Dispose();

    private static readonly Digest First = Digest.Parse("sha256:" + new string('1', 64));
    private static readonly Digest Second = Digest.Parse("sha256:" + new string('2', 64));

    /// <summary>A layout whose index.json lists these entries (blobs are not needed to pick one).</summary>
    private string Layout(params (Digest Digest, string? RefName)[] entries)
    {
        var root = dir.Combine("layout");
        Directory.CreateDirectory(root);
        var index = new ImageIndex
        {
            MediaType = MediaTypes.OciIndex,
            Manifests = entries.Select(e => new Descriptor
            {
                MediaType = MediaTypes.OciManifest,
                Digest = e.Digest,
                Size = 10,
                Annotations = e.RefName is null ? null : new Dictionary<string, string> { ["org.opencontainers.image.ref.name"] = e.RefName },
            }).ToList(),
        };
        File.WriteAllBytes(Path.Combine(root, "index.json"), OciJson.Serialize(index));
        return root;
    }

    [Fact]
    public void A_directory_is_relative_to_the_current_directory_and_the_name_is_normalized()
    {
        Directory.CreateDirectory(dir.Combine("lib"));

        var context = Assert.IsType<DirectoryContext>(BuildContextValues.Parse("docker.io/library/lib:latest=lib", dir.Path));

        Assert.Equal("lib", context.Name);
        Assert.Equal(dir.Combine("lib"), context.Directory);
    }

    [Fact]
    public void Docker_image_names_an_image_and_a_name_may_carry_a_tag()
    {
        var context = Assert.IsType<ImageContext>(BuildContextValues.Parse("alpine:3.18=docker-image://busybox:1.36", dir.Path));

        Assert.Equal(("alpine:3.18", "busybox:1.36"), (context.Name, context.Reference));
    }

    [Fact]
    public void Oci_layout_picks_the_image_by_tag_then_the_only_one_then_by_digest()
    {
        var root = Layout((First, "v1"), (Second, "v2"));

        Assert.EndsWith("@" + Second, Assert.IsType<ImageContext>(BuildContextValues.Parse("x=oci-layout://layout:v2", dir.Path)).Reference);
        Assert.EndsWith("@" + First, Assert.IsType<ImageContext>(BuildContextValues.Parse($"x=oci-layout://{root}@{First}", dir.Path)).Reference);
        var missing = Assert.Throws<BuildContextValueException>(() => BuildContextValues.Parse("x=oci-layout://layout", dir.Path));
        Assert.Contains("no image tagged \"latest\"", missing.Message);
        Assert.Contains("v1, v2", missing.Message);

        Layout((First, null));
        Assert.EndsWith("@" + First, Assert.IsType<ImageContext>(BuildContextValues.Parse("x=oci-layout://layout", dir.Path)).Reference);
    }

    [Theory]
    [InlineData("x=https://example.com/ctx.tar", "unsupported context source \"https\"")]
    [InlineData("x=git@github.com:a/b.git", "unsupported context source \"git\"")]
    [InlineData("x=missing", "missing is not a directory")]
    [InlineData("x=oci-layout://.", "has no index.json")]
    [InlineData("x=docker-image://UPPER", "is not an image reference")]
    [InlineData("UPPER=.", "not a valid context name")]
    [InlineData("context=.", "never be used")]
    [InlineData("x=", "the value is empty")]
    public void A_value_that_is_not_valid_says_why(string spec, string expected)
    {
        var error = Assert.Throws<BuildContextValueException>(() => BuildContextValues.Parse(spec, dir.Path));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_name_given_twice_takes_the_last_value_as_buildx_does()
    {
        var all = BuildContextValues.ParseAll(["a=docker-image://one", "a=docker-image://two"], dir.Path);

        Assert.Equal("two", Assert.IsType<ImageContext>(Assert.Single(all).Value).Reference);
    }
}
