using System.Text.Json;
using ImageBuilder.Dockerfile.Ignore;

namespace ImageBuilder.Dockerfile.Tests.Ignore;

/// <summary>ignorefile/dockerignore must read as ignorefile/expected.json lists it.</summary>
public sealed class IgnoreFileTableTests
{
    [Fact]
    public void Read_matches_expected_json()
    {
        var folder = TestData.Path("conformance", "moby-patternmatcher", "ignorefile");
        var expected = JsonSerializer.Deserialize<string[]>(File.ReadAllText(Path.Combine(folder, "expected.json")))!;
        using var reader = File.OpenText(Path.Combine(folder, "dockerignore"));

        var actual = DockerIgnoreFile.Read(reader);

        Assert.Equal(7, expected.Length);
        Assert.Equal(expected, actual);
    }
}
