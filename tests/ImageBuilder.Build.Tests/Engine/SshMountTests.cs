using ImageBuilder.Build.Engine;

namespace ImageBuilder.Build.Tests.Engine;

/// <summary>RUN --mount=type=ssh in the engine: BuildKit's target and SSH_AUTH_SOCK, a proxy socket bound in, and nothing of the agent in the key.</summary>
public sealed class SshMountTests
{
    private static EngineOptions Agents(params (string Id, string Path)[] agents) =>
        new() { Jobs = 4, SshAgents = agents.ToDictionary(a => a.Id, a => a.Path) };

    [Fact]
    public async Task An_ssh_mount_binds_a_proxy_socket_at_buildkits_target_and_names_it_in_SSH_AUTH_SOCK()
    {
        using var harness = new EngineHarness();

        await harness.BuildAsync(
            "FROM base\nRUN --mount=type=ssh --mount=type=ssh,id=deploy,target=/deploy.sock use\n",
            engine: Agents(("default", "/agents/default.sock"), ("deploy", "/agents/deploy.sock")));

        var use = harness.Runner.Run("use");
        var binds = use.Mounts.Cast<StepBindMount>().ToList();
        Assert.Equal(["/run/buildkit/ssh_agent.0", "/deploy.sock"], binds.Select(b => b.Target));
        Assert.All(binds, b => Assert.Matches(@"^ssh-\d\.sock$", b.SubPath));
        Assert.Equal(2, binds.Select(b => b.SubPath).Distinct().Count());
        Assert.Contains("SSH_AUTH_SOCK=/run/buildkit/ssh_agent.0", use.Env);
    }

    [Fact]
    public async Task A_missing_optional_agent_mounts_nothing_and_a_required_one_stops_the_build_at_its_line()
    {
        using var harness = new EngineHarness();

        await harness.BuildAsync("FROM base\nRUN --mount=type=ssh use\n", engine: Agents());
        Assert.Empty(harness.Runner.Run("use").Mounts);

        var error = await Assert.ThrowsAsync<BuildException>(() => harness.BuildAsync("FROM base\nRUN --mount=type=ssh,id=deploy,required=true deploy\n", engine: Agents()));
        Assert.Equal("Dockerfile:2:1: IB2008: ssh agent deploy is required but was not given", error.Diagnostic.Format("Dockerfile"));
        Assert.Contains("--ssh deploy", error.Diagnostic.Hint);
        Assert.DoesNotContain(harness.Runner.Runs, r => r.Argv[^1] == "deploy");
    }

    [Fact]
    public async Task Another_agent_is_still_a_cache_hit()
    {
        using var harness = new EngineHarness();
        const string Dockerfile = "FROM base\nRUN --mount=type=ssh use\n";

        await harness.BuildAsync(Dockerfile, engine: Agents(("default", "/agents/one.sock")));
        await harness.BuildAsync(Dockerfile, engine: Agents(("default", "/agents/two.sock")));

        Assert.Single(harness.Runner.Runs);
        Assert.Single(harness.Progress.CachedSteps);
    }
}
