using ImageBuilder.Dockerfile.Ignore;

namespace ImageBuilder.Dockerfile.Tests.Ignore;

public sealed class DockerIgnoreReadTests
{
    private static IReadOnlyList<string> Read(string text) => DockerIgnoreFile.Read(new StringReader(text));

    [Fact]
    public void Comment_only_in_column_one() =>
        Assert.Equal(["# not a comment", "a#b"], Read("#comment\n  # not a comment\na#b\n"));

    [Fact]
    public void Byte_order_mark_only_on_the_first_line() =>
        Assert.Equal(["\uFEFF#x", "\uFEFFy"], Read("\uFEFF\uFEFF#x\n\uFEFFy\n"));

    [Fact]
    public void Paths_are_cleaned_and_made_relative() =>
        Assert.Equal(["a/b", "c", "/", "!d", "..", "!"], Read("./a//b/\n/c/./\n/\n! /d\n../\n! \n"));

    [Fact]
    public void Lines_end_only_at_line_feed() =>
        Assert.Equal(["a\rb", "c"], Read("a\rb\r\nc"));

    [Fact]
    public void Unicode_white_space_is_trimmed_like_go() =>
        Assert.Equal(["x"], Read("\u00A0\u3000x\u2003\t\n"));

    [Fact]
    public void Entries_keep_their_line_numbers()
    {
        var entries = DockerIgnoreFile.ReadEntries(new StringReader("# c\n\na\n  \n!b\n"));

        Assert.Equal([new IgnoreFileEntry("a", 3), new IgnoreFileEntry("!b", 5)], entries);
    }
}
