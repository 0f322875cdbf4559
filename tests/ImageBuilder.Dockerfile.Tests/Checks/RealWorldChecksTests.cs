using ImageBuilder.Dockerfile.Checks;
using ImageBuilder.Dockerfile.Syntax;

namespace ImageBuilder.Dockerfile.Tests.Checks;

/// <summary>The build checks over the 33 real-world Dockerfiles: none crashes, and the hits listed here (read and agreed with) are found.</summary>
public sealed class RealWorldChecksTests
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

    [Theory]
    [MemberData(nameof(Files))]
    public void Checks_run_on_every_file(string name)
    {
        var report = Run(name);

        Assert.All(report.Warnings, w => Assert.False(string.IsNullOrWhiteSpace(w.FixIt)));
    }

    // Ten hits read by hand: each is an "ENV NAME value" line, BuildKit's legacy form.
    [Theory]
    [InlineData("docker-library__docker__29__cli__Dockerfile", 26)]
    [InlineData("docker-library__docker__29__dind__Dockerfile", 96)]
    [InlineData("docker-library__golang__1.27__alpine3.24__Dockerfile", 9)]
    [InlineData("docker-library__golang__1.27__trixie__Dockerfile", 131)]
    [InlineData("docker-library__php__8.4__alpine3.24__fpm__Dockerfile", 38)]
    [InlineData("docker-library__php__8.4__trixie__apache__Dockerfile", 51)]
    [InlineData("docker-library__postgres__18__alpine3.23__Dockerfile", 204)]
    [InlineData("docker-library__postgres__18__trixie__Dockerfile", 90)]
    [InlineData("docker-library__python__3.14__alpine3.23__Dockerfile", 19)]
    [InlineData("docker-library__python__3.14__slim-trixie__Dockerfile", 10)]
    public void Spot_checked_hits_are_found(string name, int line)
    {
        var hits = Run(name).Warnings.Where(w => w.Span.StartLine == line).ToList();

        var hit = Assert.Single(hits);
        Assert.Equal(CheckRules.LegacyKeyValueFormat, hit.Rule);
        Assert.StartsWith("ENV ", File.ReadAllLines(TestData.Path("conformance", "realworld-dockerfiles", "files", name))[line - 1]);
    }

    internal static CheckReport Run(string name) =>
        BuildChecker.Run(SyntaxParser.Parse(File.ReadAllText(TestData.Path("conformance", "realworld-dockerfiles", "files", name)), []));
}
