using System.IO.Abstractions;
using ImageBuilder.Dockerfile.Ignore;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Dockerfile.Tests.Ignore;

/// <summary>An ignore file that is a symbolic link is read only when the link stays inside the context (its lines end up in diagnostics).</summary>
public sealed class DockerIgnoreLinkTests : IDisposable
{
    private readonly TempDirectory dir = new("ibuild-ignore-links-");
    private readonly FileSystem fs = new();

    public DockerIgnoreLinkTests()
    {
        Directory.CreateDirectory(dir.Combine("ctx", "conf"));
        File.WriteAllText(dir.Combine("ctx", "Dockerfile"), "FROM scratch\n");
        File.WriteAllText(dir.Combine("ctx", "conf", "ignore"), "node_modules\n");
        File.WriteAllText(dir.Combine("host-secret"), "[API_TOKEN=hunter2\n");
    }

    public void Dispose() => dir.Dispose();

    private string Context => dir.Combine("ctx");

    [Fact]
    public void A_dockerignore_linking_inside_the_context_is_read()
    {
        File.CreateSymbolicLink(dir.Combine("ctx", ".dockerignore"), "conf/ignore");

        Assert.Equal(["node_modules"], DockerIgnoreFile.Load(fs, Context, dir.Combine("ctx", "Dockerfile")).Patterns);
    }

    [Theory]
    [InlineData(".dockerignore")]
    [InlineData("Dockerfile.dockerignore")]
    public void An_ignore_file_linking_out_of_the_context_is_refused_and_its_content_never_shown(string name)
    {
        File.CreateSymbolicLink(dir.Combine("ctx", name), "../host-secret");

        var error = Assert.Throws<DockerfileException>(() => DockerIgnoreFile.Load(fs, Context, dir.Combine("ctx", "Dockerfile")));

        var diagnostic = Assert.Single(error.Diagnostics);
        Assert.Equal(ErrorCode.FileAccess, diagnostic.Code);
        Assert.Equal(dir.Combine("ctx", name), diagnostic.File);
        Assert.Null(diagnostic.Span);
        Assert.DoesNotContain("hunter2", diagnostic.Message + diagnostic.Hint);
    }

    [Fact]
    public void Beside_a_dockerfile_named_outside_the_context_its_own_directory_counts_too()
    {
        Directory.CreateDirectory(dir.Combine("build"));
        File.WriteAllText(dir.Combine("build", "app.Dockerfile"), "FROM scratch\n");
        File.WriteAllText(dir.Combine("build", "common.ignore"), "*.log\n");
        File.CreateSymbolicLink(dir.Combine("build", "app.Dockerfile.dockerignore"), "common.ignore");

        Assert.Equal(["*.log"], DockerIgnoreFile.Load(fs, Context, dir.Combine("build", "app.Dockerfile")).Patterns);
    }
}
