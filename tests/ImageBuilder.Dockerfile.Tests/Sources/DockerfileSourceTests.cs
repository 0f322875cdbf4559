using System.IO.Abstractions;
using System.IO.Abstractions.TestingHelpers;
using ImageBuilder.Dockerfile.Sources;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Dockerfile.Tests.Sources;

/// <summary>How a Dockerfile is read: links in the context stay in it, nothing is read past 16 MiB.</summary>
public sealed class DockerfileSourceTests : IDisposable
{
    private const string Secret = "API_TOKEN=hunter2-do-not-print";
    private readonly TempDirectory dir = new("ibuild-dfsource-");
    private readonly FileSystem fs = new();

    public DockerfileSourceTests()
    {
        Directory.CreateDirectory(dir.Combine("ctx", "sub"));
        File.WriteAllText(dir.Combine("host-secret"), Secret + "\n");
        File.WriteAllText(dir.Combine("ctx", "sub", "real.Dockerfile"), "FROM scratch\n");
    }

    public void Dispose() => dir.Dispose();

    private string Context => dir.Combine("ctx");

    [Theory]
    [InlineData("sub/real.Dockerfile")]
    [InlineData("./sub/../sub/real.Dockerfile")]
    public void A_context_dockerfile_linking_inside_the_context_is_followed(string target)
    {
        File.CreateSymbolicLink(dir.Combine("ctx", "Dockerfile"), target);

        Assert.Equal("FROM scratch\n", DockerfileSource.ReadFromContext(fs, Context));
    }

    [Fact]
    public void An_absolute_link_to_a_file_inside_the_context_is_followed()
    {
        File.CreateSymbolicLink(dir.Combine("ctx", "Dockerfile"), dir.Combine("ctx", "sub", "real.Dockerfile"));

        Assert.Equal("FROM scratch\n", DockerfileSource.ReadFromContext(fs, Context));
    }

    [Theory]
    [InlineData("../host-secret")]
    [InlineData("sub/../../host-secret")]
    [InlineData("hop")]
    public void A_context_dockerfile_linking_outside_the_context_is_refused_without_reading_it(string target)
    {
        File.CreateSymbolicLink(dir.Combine("ctx", "hop"), dir.Combine("host-secret"));
        File.CreateSymbolicLink(dir.Combine("ctx", "Dockerfile"), target);

        var error = Assert.Throws<DockerfileException>(() => DockerfileSource.ReadFromContext(fs, Context));

        Assert.Equal(ErrorCode.FileAccess, error.Code);
        Assert.Contains("symbolic link to a file outside the build context", error.Message);
        Assert.DoesNotContain("hunter2", error.Message + error.Diagnostics[0].Hint);
    }

    [Fact]
    public void A_link_through_a_linked_directory_that_leaves_the_context_is_refused()
    {
        Directory.CreateSymbolicLink(dir.Combine("ctx", "up"), "..");
        File.CreateSymbolicLink(dir.Combine("ctx", "Dockerfile"), "up/host-secret");

        var error = Assert.Throws<DockerfileException>(() => DockerfileSource.ReadFromContext(fs, Context));

        Assert.Equal(ErrorCode.FileAccess, error.Code);
    }

    [Fact]
    public void A_context_given_as_a_link_is_fine()
    {
        File.WriteAllText(dir.Combine("ctx", "Dockerfile"), "FROM scratch\nRUN true\n");
        Directory.CreateSymbolicLink(dir.Combine("ctx-link"), Context);

        Assert.Equal("FROM scratch\nRUN true\n", DockerfileSource.ReadFromContext(fs, dir.Combine("ctx-link")));
    }

    [Fact]
    public void A_file_the_user_names_is_read_wherever_it_links()
    {
        File.CreateSymbolicLink(dir.Combine("ctx", "named"), dir.Combine("host-secret"));

        Assert.Equal(Secret + "\n", DockerfileSource.ReadFile(fs, dir.Combine("ctx", "named")));
    }

    [Fact]
    public void A_directory_is_refused_as_a_directory()
    {
        var error = Assert.Throws<DockerfileException>(() => DockerfileSource.ReadFile(fs, Context));

        Assert.Equal(ErrorCode.FileAccess, error.Code);
        Assert.Contains("is a directory", error.Message);
    }

    [Fact]
    public void A_device_without_end_is_cut_at_16_MiB()
    {
        var error = Assert.Throws<DockerfileException>(() => DockerfileSource.ReadFile(fs, "/dev/zero"));

        Assert.Equal(ErrorCode.FileTooLarge, error.Code);
        Assert.Contains("16 MiB", error.Message);
    }

    [Fact]
    public void A_file_of_exactly_the_limit_is_read_and_one_byte_more_is_not()
    {
        var mock = new MockFileSystem();
        mock.AddFile("/limit", new MockFileData(new byte[DockerfileSource.MaxBytes]));
        mock.AddFile("/over", new MockFileData(new byte[DockerfileSource.MaxBytes + 1]));

        Assert.Equal(DockerfileSource.MaxBytes, DockerfileSource.ReadFile(mock, "/limit").Length);
        Assert.Equal(ErrorCode.FileTooLarge, Assert.Throws<DockerfileException>(() => DockerfileSource.ReadFile(mock, "/over")).Code);
    }

    [Fact]
    public async Task Standard_input_without_end_is_cut_at_16_MiB()
    {
        using var zeros = new StreamReader(new EndlessZeros());

        var error = await Assert.ThrowsAsync<DockerfileException>(() => DockerfileSource.ReadAsync(zeros, CancellationToken.None));

        Assert.Equal(ErrorCode.FileTooLarge, error.Code);
        Assert.Contains("standard input", error.Message);
    }

    [Fact]
    public async Task A_byte_order_mark_is_dropped_from_every_source()
    {
        var mock = new MockFileSystem();
        mock.AddFile("/ctx/Dockerfile", new MockFileData("\uFEFFFROM scratch\n"));

        Assert.Equal("FROM scratch\n", DockerfileSource.ReadFromContext(mock, "/ctx"));
        Assert.Equal("FROM scratch\n", await DockerfileSource.ReadAsync(new StringReader("\uFEFFFROM scratch\n"), CancellationToken.None));
    }
}
