using ImageBuilder.Dockerfile.Syntax;

namespace ImageBuilder.Dockerfile.Tests.Instructions;

/// <summary>The 33 real-world Dockerfiles (Linux and Windows) must be accepted in full.</summary>
public sealed class RealWorldDockerfilesTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(TestData.Path("conformance", "realworld-dockerfiles", "files")).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Fact]
    public void The_corpus_has_33_files() => Assert.Equal(33, Files().Cast<object>().Count());

    [Theory]
    [MemberData(nameof(Files))]
    public void Real_world_dockerfile_is_accepted(string name)
    {
        var text = File.ReadAllText(TestData.Path("conformance", "realworld-dockerfiles", "files", name));

        var document = DockerfileParser.Parse(text);

        Assert.NotEmpty(document.Stages);
        Assert.All(document.Stages, s => Assert.NotNull(s.From.Image));
        var escape = text.Contains("# escape=`", StringComparison.Ordinal) ? '`' : '\\';
        Assert.Equal(escape, document.EscapeToken);
    }
}
