using System.IO.Abstractions.TestingHelpers;
using System.Xml.Linq;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Cli.Tests;

/// <summary><c>ibuild graph</c> as a user runs it: usage errors, located Dockerfile errors, and real SVG from Graphviz.</summary>
public sealed class GraphCommandTests
{
    private const string Dockerfile = """
        FROM scratch AS files
        COPY f /f
        FROM files AS spare
        RUN true
        FROM scratch
        COPY --from=files /f "/g"
        """;

    private static async Task<(int Code, string Out, string Err)> RunMock(params string[] args)
    {
        var fs = new MockFileSystem();
        fs.AddFile("/ctx/Dockerfile", new MockFileData("FROM scratch AS a\nCOPY --from=b /x /x\nFROM scratch AS b\nCOPY --from=a /y /y\n"));
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CommandLineApp.RunAsync(["--root", "/store", "graph", .. args], new StringReader(""), stdout, stderr, CancellationToken.None, fs);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("graph: --format \"png\" is not dot, mermaid or svg", "--format", "png", "/ctx")]
    [InlineData("graph needs a CONTEXT directory", "--format", "dot")]
    [InlineData("graph: the context /nowhere is not a directory", "/nowhere")]
    [InlineData("graph: unknown option --tag", "--tag", "x", "/ctx")]
    public async Task Usage_errors_exit_2_with_one_message(string message, params string[] args)
    {
        var (code, stdout, stderr) = await RunMock(args);

        Assert.Equal((2, ""), (code, stdout));
        Assert.Contains(message, stderr);
    }

    [Fact]
    public async Task A_plan_error_is_located_and_exits_1()
    {
        var (code, stdout, stderr) = await RunMock("/ctx");

        Assert.Equal((1, ""), (code, stdout));
        Assert.StartsWith("/ctx/Dockerfile:", stderr);
        Assert.Contains("cycle", stderr);
    }

    [Fact]
    public async Task Help_lists_the_formats()
    {
        var (code, stdout, _) = await RunMock("--help");

        Assert.Equal(0, code);
        Assert.Contains("--format F", stdout);
    }

    [RootFact]
    public async Task Graphviz_draws_the_output_as_svg_with_every_stage_once()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Combine("ctx"));
        File.WriteAllText(dir.Combine("ctx", "Dockerfile"), Dockerfile);
        File.WriteAllText(dir.Combine("ctx", "f"), "f");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = await CommandLineApp.RunAsync(["--root", dir.Combine("store"), "graph", "--format", "svg", dir.Combine("ctx")],
            new StringReader(""), stdout, stderr, CancellationToken.None);

        Assert.Equal((0, ""), (code, stderr.ToString()));
        var svg = XDocument.Parse(stdout.ToString());
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal("svg", svg.Root!.Name.LocalName);
        var clusters = svg.Descendants(ns + "g").Where(g => (string?)g.Attribute("class") == "cluster").ToList();
        Assert.Equal(["cluster_stage0", "cluster_stage1", "cluster_stage2"], clusters.Select(c => c.Element(ns + "title")!.Value));
        var titles = clusters.Select(c => string.Join(" ", c.Elements(ns + "text").Select(t => t.Value))).ToList();
        Assert.Equal(["files", "spare (not needed by the target)", "stage-2 (target)"], titles);
        Assert.Single(svg.Descendants(ns + "text"), t => t.Value == "COPY f /f");
    }
}
