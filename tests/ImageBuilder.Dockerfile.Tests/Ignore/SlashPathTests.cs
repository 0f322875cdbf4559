using ImageBuilder.Dockerfile.Ignore;
using ImageBuilder.Dockerfile.Paths;

namespace ImageBuilder.Dockerfile.Tests.Ignore;

/// <summary>GoPath and the element walks of SlashPath; expected values are those of Go's filepath.Clean and filepath.Dir on Linux.</summary>
public sealed class SlashPathTests
{
    [Theory]
    [InlineData("", ".")]
    [InlineData(".", ".")]
    [InlineData("..", "..")]
    [InlineData("a/b/", "a/b")]
    [InlineData("/", "/")]
    [InlineData("//", "/")]
    [InlineData("a//b///c", "a/b/c")]
    [InlineData("./a/./b/.", "a/b")]
    [InlineData("a/b/../c", "a/c")]
    [InlineData("a/../..", "..")]
    [InlineData("../../x/../y", "../../y")]
    [InlineData("/../a", "/a")]
    [InlineData("/a/b/../../..", "/")]
    [InlineData("a/b/../../../c/../../d", "../../d")]
    [InlineData("!/../x", "x")]
    [InlineData("!./x", "!./x")]
    [InlineData("**/", "**")]
    public void Clean_gives_gos_path_clean(string path, string expected) => Assert.Equal(expected, GoPath.Clean(path));

    [Theory]
    [InlineData("a/b", "a")]
    [InlineData("a", ".")]
    [InlineData("a/", "a")]
    [InlineData("/", "/")]
    [InlineData("/a", "/")]
    [InlineData("a//b", "a")]
    [InlineData("", ".")]
    public void Dir_gives_gos_path_dir(string path, string expected) => Assert.Equal(expected, GoPath.Dir(path));

    [Theory]
    [InlineData("a/b/c", "a|a/b|a/b/c")]
    [InlineData("a", "a")]
    [InlineData("/", "|/")]
    public void Prefixes_lists_every_parent(string dir, string expected) => Assert.Equal(expected, string.Join('|', SlashPath.Prefixes(dir)));
}
