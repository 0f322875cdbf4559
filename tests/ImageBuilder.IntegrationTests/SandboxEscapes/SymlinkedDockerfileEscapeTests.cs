using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.SandboxEscapes;

/// <summary>
/// A hostile repository whose Dockerfile or .dockerignore is a symbolic link to a host file must not
/// make ibuild print that file (in a CI log, say): such links are refused (IB1018) without reading
/// the target. A link that stays inside the context, and a file the user names with -f, are read.
/// </summary>
public sealed class SymlinkedDockerfileEscapeTests : IDisposable
{
    private const string Secret = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI-escape-test";
    private readonly TempDirectory host = new("ibuild-escape-host-");
    private readonly BuildFixture fixture = new();

    public SymlinkedDockerfileEscapeTests()
    {
        // Not a Dockerfile nor a valid ignore pattern: parsed, it would be an error that quotes the line.
        File.WriteAllText(host.Combine("credentials"), $"[default]\n{Secret}\n");
    }

    public void Dispose()
    {
        fixture.Dispose();
        host.Dispose();
    }

    private string LinkInContext(string name, string target)
    {
        var path = Path.Combine(fixture.Context, name);
        File.CreateSymbolicLink(path, target);
        return path;
    }

    [RootFact]
    public async Task A_dockerfile_linking_to_a_host_file_is_refused_by_build_and_check_without_printing_it()
    {
        LinkInContext("Dockerfile", host.Combine("credentials"));

        var build = await Tools.Ibuild("--root", fixture.Store, "build", "--progress", "plain", fixture.Context);
        var check = await Tools.Ibuild("check", fixture.Context);

        foreach (var result in new[] { build, check })
        {
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("IB1018", result.Stderr);
            Assert.Contains("symbolic link to a file outside the build context", result.Stderr);
            Assert.DoesNotContain("wJalrXUtnFEMI", result.Stderr + result.Stdout);
            Assert.DoesNotContain("[default]", result.Stderr + result.Stdout);
        }
    }

    [RootTheory]
    [InlineData(".dockerignore")]
    [InlineData("Dockerfile.dockerignore")]
    public async Task An_ignore_file_linking_to_a_host_file_is_refused_without_printing_it(string name)
    {
        await fixture.ImportBaseAsync();
        fixture.Write("Dockerfile", "FROM box:1\nCOPY . /ctx\n");
        LinkInContext(name, host.Combine("credentials"));

        var build = await Tools.Ibuild("--root", fixture.Store, "build", "--progress", "plain", fixture.Context);
        var check = await Tools.Ibuild("check", fixture.Context);

        foreach (var result in new[] { build, check })
        {
            Assert.Equal(1, result.ExitCode);
            Assert.Contains($"{name}: IB1018:", result.Stderr);
            Assert.DoesNotContain("wJalrXUtnFEMI", result.Stderr + result.Stdout);
        }

        Assert.DoesNotContain("COPY", build.Stderr);
    }

    [RootFact]
    public async Task Links_that_stay_in_the_context_and_files_named_with_f_are_read()
    {
        await fixture.ImportBaseAsync();
        fixture.Write("build/app.Dockerfile", "FROM box:1\nCOPY . /ctx\n");
        fixture.Write("build/ignore", "build\n");
        LinkInContext("Dockerfile", "build/app.Dockerfile");
        LinkInContext(".dockerignore", "build/ignore");
        (await Tools.Ibuild("--root", fixture.Store, "build", "--progress", "plain", "-t", "in:1", fixture.Context)).Ok();

        var named = await Tools.Ibuild("check", "-f", host.Combine("credentials"), fixture.Context);

        Assert.Equal(1, named.ExitCode);
        Assert.Contains("IB1002", named.Stderr);
    }
}
