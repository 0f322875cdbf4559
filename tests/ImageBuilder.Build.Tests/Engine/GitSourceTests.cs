using System.Text;
using ImageBuilder.Build.Engine;
using ImageBuilder.Dockerfile;

namespace ImageBuilder.Build.Tests.Engine;

/// <summary>ADD of a git repository in the engine: its key is the commit the ref resolves to, and the credentials it is given are BuildKit's secrets.</summary>
public sealed class GitSourceTests
{
    private const string Remote = "https://git.example:8443/org/app.git";
    private const string Dockerfile = $"FROM base\nADD {Remote}#main /src\nRUN build\n";

    private static EngineHarness WithRepository(string commit)
    {
        var harness = new EngineHarness();
        harness.Git.Refs[$"{Remote}#main"] = commit;
        return harness;
    }

    [Fact]
    public async Task An_unchanged_commit_is_a_hit_without_a_checkout_and_a_moved_ref_checks_out_again()
    {
        using var harness = WithRepository(new string('a', 40));
        var first = await harness.BuildAsync(Dockerfile);
        Assert.Equal(new string('a', 40), harness.Git.CheckedOut.Single().Revision.Commit);
        Assert.Equal(["."], harness.Files.Copies.Single().Sources);
        Assert.Equal("/src", harness.Files.Copies.Single().Destination);

        var second = await harness.BuildAsync(Dockerfile);
        Assert.Equal(first.Id, second.Id);
        Assert.Single(harness.Git.CheckedOut);
        Assert.Equal(2, harness.Git.Resolved.Count);
        Assert.Contains(harness.Progress.CachedSteps, s => s.EndsWith($"ADD {Remote}#main /src", StringComparison.Ordinal));

        harness.Git.Refs[$"{Remote}#main"] = new string('b', 40);
        var third = await harness.BuildAsync(Dockerfile);
        Assert.NotEqual(first.Id, third.Id);
        Assert.Equal(new string('b', 40), harness.Git.CheckedOut.Last().Revision.Commit);
        Assert.Empty(harness.Progress.CachedSteps);
    }

    [Fact]
    public async Task The_host_scoped_header_secret_wins_and_a_token_is_sent_as_x_access_token()
    {
        using var harness = WithRepository(new string('a', 40));
        var secrets = new Dictionary<string, byte[]>
        {
            ["GIT_AUTH_TOKEN"] = Encoding.UTF8.GetBytes("any-host"),
            ["GIT_AUTH_TOKEN.git.example:8443"] = Encoding.UTF8.GetBytes("this-host\n"),
        };

        await harness.BuildAsync(Dockerfile, engine: new EngineOptions { Jobs = 4, Secrets = secrets });
        Assert.Equal("basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("x-access-token:this-host")), harness.Git.Resolved.Single().Access.Authorization);

        secrets["GIT_AUTH_HEADER.git.example:8443"] = Encoding.UTF8.GetBytes("bearer abc");
        await harness.BuildAsync(Dockerfile, engine: new EngineOptions { Jobs = 4, Secrets = secrets });
        Assert.Equal("bearer abc", harness.Git.Resolved.Last().Access.Authorization);
    }

    [Fact]
    public async Task The_commit_is_recorded_for_provenance_without_the_urls_credentials()
    {
        using var harness = new EngineHarness();
        harness.Git.Refs["https://bot:hunter2@git.example/app.git#main"] = new string('d', 40);

        var built = await harness.BuildAsync("FROM base\nADD https://bot:hunter2@git.example/app.git#main /src\n");

        var download = Assert.Single(built.Downloads);
        Assert.Equal(new RemoteDownload("https://xxxxx@git.example/app.git#refs/heads/main", "sha1:" + new string('d', 40)), download);
    }

    [Fact]
    public async Task An_ssh_remote_without_an_ssh_agent_is_refused_before_git_runs()
    {
        using var harness = new EngineHarness();

        var error = await Assert.ThrowsAsync<BuildException>(() => harness.BuildAsync("FROM base\nADD git@git.example:org/app.git /src\n"));

        Assert.StartsWith("Dockerfile:2:1: IB2005: ADD of git@git.example:org/app.git signs in over ssh, and the build was given no ssh agent", error.Diagnostic.Format("Dockerfile"));
        Assert.Contains("--ssh default", error.Diagnostic.Hint);
        Assert.Empty(harness.Git.Resolved);
    }

    [Fact]
    public async Task No_credentials_go_to_a_git_protocol_remote()
    {
        using var harness = new EngineHarness();
        harness.Git.Refs["git://git.example/app.git#main"] = new string('c', 40);
        var secrets = new Dictionary<string, byte[]> { ["GIT_AUTH_TOKEN"] = Encoding.UTF8.GetBytes("t") };

        await harness.BuildAsync("FROM base\nADD git://git.example/app.git /src\n", engine: new EngineOptions { Secrets = secrets });

        Assert.Null(harness.Git.Resolved.Single().Access.Authorization);
    }

    [Fact]
    public async Task A_ref_the_remote_lacks_is_a_located_copy_error()
    {
        using var harness = WithRepository(new string('a', 40));

        var error = await Assert.ThrowsAsync<BuildException>(() => harness.BuildAsync($"FROM base\nADD {Remote}#nope /src\n"));

        Assert.Equal(BuildErrors.CopyFailed, error.Diagnostic.Code);
        Assert.StartsWith("Dockerfile:2:1: IB2005: ADD failed:", error.Diagnostic.Format("Dockerfile"));
        Assert.Contains("no ref nope", error.Diagnostic.Message);
        Assert.Empty(harness.Git.CheckedOut);
    }
}
