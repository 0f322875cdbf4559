using System.Diagnostics;
using System.Globalization;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Network;

/// <summary>
/// ibuild as a separate process, so that its network stack (slirp4netns, whose command line names
/// ibuild's process id) can be told apart from other tests': one per build, started only when a
/// RUN needs it, gone when the build ends however it ends; and the error when it is missing.
/// </summary>
public sealed class NetworkStackLifetimeTests : IDisposable
{
    // Steps that wait until the test creates "release" in the context (a live read-only bind of it).
    private const string Waiting = "RUN --mount=type=bind,target=/ctx sh -c 'while [ ! -e /ctx/release ]; do sleep 0.05; done; echo {0}'";

    private readonly BuildFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    [RootFact]
    public async Task Two_stages_share_one_stack_that_is_gone_once_the_build_succeeds()
    {
        await fixture.ImportBaseAsync();
        fixture.Write("Dockerfile", $"FROM box:1 AS a\n{Wait("a")}\nFROM box:1\n{Wait("b")}\nCOPY --from=a /etc/passwd /a\n");
        using var build = Start("build", "--progress", "plain", fixture.Context);

        await TestNetworkNamespace.WaitForAsync(() => Tools.ProcessesWhere(c => c.Contains("/ctx/release", StringComparison.Ordinal)).Count == 2);
        var during = NetworkStack.ProcessesOf(build.Process.Id);
        fixture.Write("release", "");
        var result = await build.ExitAsync();

        Assert.Single(during);
        result.Ok();
        Assert.Empty(NetworkStack.ProcessesOf(build.Process.Id));
    }

    [RootFact]
    public async Task The_stack_is_gone_once_a_build_fails()
    {
        await fixture.ImportBaseAsync();
        fixture.Write("Dockerfile", $"FROM box:1\n{Wait("first")}\nRUN exit 3\n");
        using var build = Start("build", "--progress", "plain", fixture.Context);

        await TestNetworkNamespace.WaitForAsync(() => Tools.ProcessesWhere(c => c.Contains("/ctx/release", StringComparison.Ordinal)).Count == 1);
        var during = NetworkStack.ProcessesOf(build.Process.Id);
        fixture.Write("release", "");
        var result = await build.ExitAsync();

        Assert.Single(during);
        Assert.Contains("IB2004: RUN exited with code 3", result.Stderr);
        Assert.Empty(NetworkStack.ProcessesOf(build.Process.Id));
    }

    [RootFact]
    public async Task Sigint_ends_the_build_and_its_stack()
    {
        var (build, during) = await StartSleepingBuildAsync("sleep 1011");
        using var started = build;

        (await Tools.Run("kill", "-INT", build.Process.Id.ToString(CultureInfo.InvariantCulture))).Ok();
        var result = await build.ExitAsync();

        Assert.Single(during);
        Assert.Equal(130, result.ExitCode);
        Assert.Empty(NetworkStack.ProcessesOf(build.Process.Id));
        fixture.AssertNothingLeft();
    }

    [RootFact]
    public async Task Kill_9_of_ibuild_ends_its_stack()
    {
        var (build, during) = await StartSleepingBuildAsync("sleep 1012");
        using var started = build;

        build.Process.Kill();
        await build.ExitAsync();
        // The kernel closes ibuild's end of the exit pipe; slirp4netns sees that and exits.
        await TestNetworkNamespace.WaitForAsync(() => NetworkStack.ProcessesOf(build.Process.Id).Count == 0);

        Assert.Single(during);
        Assert.Empty(NetworkStack.ProcessesOf(build.Process.Id));
    }

    [RootFact]
    public async Task A_container_s_stack_lives_as_long_as_ibuild_run_and_ends_with_sigint()
    {
        await fixture.ImportBaseAsync();
        using var run = Start("run", "box:1", "sleep", "1013");
        await TestNetworkNamespace.WaitForAsync(() => Tools.ProcessesRunning("sleep 1013").Count > 0);
        var during = NetworkStack.ProcessesOf(run.Process.Id);

        (await Tools.Run("kill", "-INT", run.Process.Id.ToString(CultureInfo.InvariantCulture))).Ok();
        var result = await run.ExitAsync();

        Assert.Single(during);
        Assert.Equal(130, result.ExitCode);
        Assert.Empty(NetworkStack.ProcessesOf(run.Process.Id));
    }

    [RootFact]
    public async Task Without_slirp4netns_a_RUN_fails_with_IB2012_naming_the_package_and_a_cached_build_needs_none()
    {
        await fixture.ImportBaseAsync();
        (await fixture.BuildAsync("FROM box:1\nRUN echo cached > /c\n")).Ok();
        var noStack = new Dictionary<string, string> { ["PATH"] = "/nonexistent" };

        var cached = await Ibuild(noStack, "build", "--progress", "plain", fixture.Context);
        fixture.Write("Dockerfile", "FROM box:1\nRUN echo cached > /c\nRUN echo new\n");
        var missing = await Ibuild(noStack, "build", "--progress", "plain", fixture.Context);
        var run = await Ibuild(noStack, "run", "box:1", "true");

        Assert.Equal(0, cached.ExitCode);
        Assert.Contains(" CACHED", cached.Stderr);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains(
            "Dockerfile:3:1: IB2012: RUN could not start: the private network needs slirp4netns (Debian package slirp4netns)\n", missing.Stderr);
        Assert.Contains("hint: install it, or use --network host|none", missing.Stderr);
        Assert.DoesNotContain("   at ", missing.Stderr);
        Assert.Equal(125, run.ExitCode);
        Assert.Contains("ibuild: run: the private network needs slirp4netns (Debian package slirp4netns)", run.Stderr);
    }

    /// <summary>A build whose one RUN is <paramref name="sleep"/>, started and waited for until the step runs; the stacks it had then.</summary>
    private async Task<(Running Build, List<int> During)> StartSleepingBuildAsync(string sleep)
    {
        await fixture.ImportBaseAsync();
        fixture.Write("Dockerfile", $"FROM box:1\nRUN {sleep}\n");
        var build = Start("build", "--progress", "plain", fixture.Context);
        await TestNetworkNamespace.WaitForAsync(() => Tools.ProcessesRunning(sleep).Count > 0);
        return (build, NetworkStack.ProcessesOf(build.Process.Id));
    }

    private static string Wait(string name) => string.Format(CultureInfo.InvariantCulture, Waiting, name);

    private Task<Tools.Result> Ibuild(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        Tools.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "ibuild.dll"), "--root", fixture.Store, .. args], environment);

    private Running Start(params string[] args) => new(Process.Start(Tools.IbuildProcess(["--root", fixture.Store, .. args]))!);

    /// <summary>A started ibuild whose output is read while it runs.</summary>
    private sealed class Running(Process process) : IDisposable
    {
        private readonly Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        private readonly Task<string> stderr = process.StandardError.ReadToEndAsync();

        public Process Process => process;

        public async Task<Tools.Result> ExitAsync()
        {
            await process.WaitForExitAsync();
            return new Tools.Result(process.ExitCode, await stdout, await stderr);
        }

        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit();
            }

            process.Dispose();
        }
    }
}
