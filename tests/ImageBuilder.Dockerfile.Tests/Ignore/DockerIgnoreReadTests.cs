using ImageBuilder.Dockerfile.Ignore;

namespace ImageBuilder.Dockerfile.Tests.Ignore;

public sealed class DockerIgnoreReadTests
{
    private static IReadOnlyList<string> Read(string text) => DockerIgnoreFile.Read(new StringReader(text));

    [Fact]
    public void CommentOnlyInColumnOne() =>
        Assert.Equal(["# not a comment", "a#b"], Read("#comment\n  # not a comment\na#b\n"));

    [Fact]
    public void ByteOrderMarkOnlyOnTheFirstLine() =>
        Assert.Equal(["\uFEFF#x", "\uFEFFy"], Read("\uFEFF\uFEFF#x\n\uFEFFy\n"));

    [Fact]
    public void PathsAreCleanedAndMadeRelative() =>
        Assert.Equal(["a/b", "c", "/", "!d", "..", "!"], Read("./a//b/\n/c/./\n/\n! /d\n../\n! \n"));

    [Fact]
    public void LinesEndOnlyAtLineFeed() =>
        Assert.Equal(["a\rb", "c"], Read("a\rb\r\nc"));

    [Fact]
    public void UnicodeWhiteSpaceIsTrimmedLikeGo() =>
        Assert.Equal(["x"], Read("\u00A0\u3000x\u2003\t\n"));

    [Fact]
    public void EntriesKeepTheirLineNumbers()
    {
        var entries = DockerIgnoreFile.ReadEntries(new StringReader("# c\n\na\n  \n!b\n"));

        Assert.Equal([new IgnoreFileEntry("a", 3), new IgnoreFileEntry("!b", 5)], entries);
    }
}
