using System.Text;
using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Oci;
using ImageBuilder.Planning;

namespace ImageBuilder.Build.Tests.Engine;

/// <summary>What a RUN step hands the runner: argv, environment, user, working directory, network and mounts, as BuildKit passes them.</summary>
public sealed class RunRequestTests
{
    private static PlanOptions Args(params (string Name, string Value)[] args) =>
        new() { BuildArgs = args.ToDictionary(a => a.Name, a => a.Value) };

    /// <summary>The environment the runner got for <paramref name="command"/>.</summary>
    private static async Task<IReadOnlyList<string>> EnvironmentOfAsync(string dockerfile, string command, PlanOptions? plan = null)
    {
        using var harness = new EngineHarness();
        await harness.BuildAsync(dockerfile, plan);
        return harness.Runner.Run(command).Env;
    }

    [Fact]
    public async Task A_shell_form_RUN_runs_under_bin_sh_c()
    {
        using var harness = new EngineHarness();

        await harness.BuildAsync("FROM base\nRUN echo hi && make\n");

        Assert.Equal(["/bin/sh", "-c", "echo hi && make"], harness.Runner.Run("echo hi && make").Argv);
    }

    [Fact]
    public async Task SHELL_changes_the_argv_of_later_shell_form_RUNs()
    {
        using var harness = new EngineHarness();

        await harness.BuildAsync("FROM base\nSHELL [\"/bin/bash\", \"-eo\", \"pipefail\", \"-c\"]\nRUN make | tee log\n");

        Assert.Equal(["/bin/bash", "-eo", "pipefail", "-c", "make | tee log"], harness.Runner.Run("make | tee log").Argv);
    }

    [Fact]
    public async Task An_exec_form_RUN_passes_its_argv_as_written()
    {
        using var harness = new EngineHarness();

        await harness.BuildAsync("FROM base\nRUN [\"/usr/bin/make\", \"-j\", \"$NOT_EXPANDED\"]\n");

        Assert.Equal(["/usr/bin/make", "-j", "$NOT_EXPANDED"], harness.Runner.Runs.Single().Argv);
    }

    [Fact]
    public async Task The_base_image_environment_and_ENV_reach_RUN()
    {
        var env = await EnvironmentOfAsync("FROM base\nENV GREETING=hello\nRUN greet\n", "greet");
        Assert.Contains("PATH=/usr/bin:/bin", env);
        Assert.Contains("GREETING=hello", env);
    }

    [Fact]
    public async Task A_build_arg_reaches_RUN_only_after_the_stage_declares_it()
    {
        using var harness = new EngineHarness();

        await harness.BuildAsync("""
            ARG VERSION
            FROM base AS undeclared
            RUN before
            FROM base
            RUN also-before
            ARG VERSION
            RUN after
            """, Args(("VERSION", "7")));

        Assert.DoesNotContain(harness.Runner.Run("also-before").Env, e => e.StartsWith("VERSION=", StringComparison.Ordinal));
        Assert.Contains("VERSION=7", harness.Runner.Run("after").Env);
    }

    [Fact]
    public async Task A_declared_build_arg_takes_its_default_unless_given()
    {
        var env = await EnvironmentOfAsync("FROM base\nARG MODE=debug\nARG EMPTY\nRUN build\n", "build");
        Assert.Contains("MODE=debug", env);
        Assert.DoesNotContain(env, e => e.StartsWith("EMPTY", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ENV_overrides_a_build_arg_of_the_same_name()
    {
        var env = await EnvironmentOfAsync("FROM base\nARG MODE=debug\nENV MODE=release\nRUN build\n", "build", Args(("MODE", "given")));
        Assert.Contains("MODE=release", env);
        Assert.DoesNotContain("MODE=given", env);
    }

    [Fact]
    public async Task USER_and_WORKDIR_apply_to_the_RUNs_after_them()
    {
        using var harness = new EngineHarness();

        await harness.BuildAsync("FROM base\nRUN as-root\nUSER app\nWORKDIR /srv\nWORKDIR data\nRUN as-app\n");

        var root = harness.Runner.Run("as-root");
        var app = harness.Runner.Run("as-app");
        Assert.True(string.IsNullOrEmpty(root.User));
        Assert.Equal("/", root.WorkingDirectory);
        Assert.Equal("app", app.User);
        Assert.Equal("/srv/data", app.WorkingDirectory);
        Assert.Equal([("/srv", "app"), ("/srv/data", "app")], harness.Files.Directories);
    }

    [Fact]
    public async Task ONBUILD_triggers_of_the_base_image_run_first_in_the_child()
    {
        using var harness = new EngineHarness();
        harness.Images.Add("parent", new ExecutionConfig { Env = ["PATH=/bin"], OnBuild = ["RUN from-trigger", "ENV TRIGGERED=yes"] });

        await harness.BuildAsync("FROM parent\nRUN child\n");

        Assert.Equal(["from-trigger", "child"], harness.Runner.Commands);
        Assert.Contains("TRIGGERED=yes", harness.Runner.Run("child").Env);
    }

    [Fact]
    public async Task A_RUN_without_network_or_with_network_default_asks_for_the_private_network()
    {
        using var harness = new EngineHarness();

        await harness.BuildAsync("FROM base\nRUN plain\nRUN --network=default explicit\nRUN --network=none offline\n");

        Assert.Equal(NetworkMode.Private, harness.Runner.Run("plain").Network);
        Assert.Equal(NetworkMode.Private, harness.Runner.Run("explicit").Network);
        Assert.Equal(NetworkMode.None, harness.Runner.Run("offline").Network);
        Assert.All(harness.Runner.Runs, r => Assert.Equal("ibuild", r.Hostname));
    }

    [Fact]
    public async Task A_miss_before_the_RUN_steps_lets_the_runner_start_the_private_network_early_once_per_stage()
    {
        using var harness = new EngineHarness();
        harness.WriteContext("app.txt", "v1");
        const string Dockerfile = "FROM base\nCOPY app.txt /app/\nRUN first\nRUN second\n";

        await harness.BuildAsync(Dockerfile);

        // Told at the COPY's miss, before any RUN started; not again at the RUNs' own misses.
        Assert.Equal([(NetworkMode.Private, 0)], harness.Runner.Anticipated);
    }

    [Fact]
    public async Task A_fully_cached_build_anticipates_nothing_and_a_stage_without_a_default_network_RUN_its_first_RUNs_network()
    {
        using var harness = new EngineHarness();
        var plan = new PlanOptions { Entitlements = new HashSet<Entitlement> { Entitlement.NetworkHost } };
        await harness.BuildAsync("FROM base\nRUN once\n");
        var first = harness.Runner.Anticipated.Count;

        await harness.BuildAsync("FROM base\nRUN once\n");
        await harness.BuildAsync("FROM base\nRUN --network=none offline\nRUN --network=host online\n", plan);

        // The runner prepares a step's sandbox (its syscall filter) whatever its network; the
        // private network only when a RUN of the stage is on it.
        Assert.Equal(1, first);
        Assert.Equal([(NetworkMode.Private, 0), (NetworkMode.None, 1)], harness.Runner.Anticipated);
    }

    [Theory]
    [InlineData(NetworkMode.None)]
    [InlineData(NetworkMode.Host)]
    public async Task The_build_network_applies_to_every_RUN_that_does_not_choose_its_own(NetworkMode mode)
    {
        using var harness = new EngineHarness();

        await harness.BuildAsync("FROM base\nRUN a\nRUN --network=default b\n", engine: new EngineOptions { Network = mode });

        Assert.All(harness.Runner.Runs, r => Assert.Equal(mode, r.Network));
    }

    [Fact]
    public async Task RUN_network_host_asks_for_the_host_network_whatever_the_build_network()
    {
        using var harness = new EngineHarness();
        var plan = new PlanOptions { Entitlements = new HashSet<Entitlement> { Entitlement.NetworkHost } };

        await harness.BuildAsync("FROM base\nRUN --network=host online\nRUN offline\n", plan, new EngineOptions { Network = NetworkMode.None });

        Assert.Equal(NetworkMode.Host, harness.Runner.Run("online").Network);
        Assert.Equal(NetworkMode.None, harness.Runner.Run("offline").Network);
    }

    [Fact]
    public async Task The_step_runner_is_disposed_with_the_engine_once_the_build_is_over()
    {
        using var harness = new EngineHarness();
        var plan = await harness.PlanAsync("FROM base\nRUN a\n");
        var engine = harness.CreateEngine();

        await engine.BuildAsync(plan, () => throw new InvalidOperationException("no context needed"), new EngineOptions(), CancellationToken.None);
        var afterBuild = harness.Runner.Disposals;
        await engine.DisposeAsync();

        Assert.Equal(0, afterBuild);
        Assert.Equal(1, harness.Runner.Disposals);
    }

    [Fact]
    public async Task A_cache_mount_binds_a_store_directory_made_once_with_its_owner()
    {
        using var harness = new EngineHarness();

        await harness.BuildAsync("FROM base\nRUN --mount=type=cache,target=/root/.cache,uid=1000,gid=1001 first\nRUN --mount=type=cache,target=/root/.cache second\n");

        var first = Assert.IsType<StepBindMount>(Assert.Single(harness.Runner.Run("first").Mounts));
        var second = Assert.IsType<StepBindMount>(Assert.Single(harness.Runner.Run("second").Mounts));
        Assert.Equal("/root/.cache", first.Target);
        Assert.Equal(first.Root, second.Root);
        Assert.StartsWith(harness.Store.Root, first.Root);
        Assert.True(Directory.Exists(first.Root));
        Assert.Equal(1000, Assert.Single(harness.Files.Owners).Uid);
    }

    [Fact]
    public async Task A_cached_step_with_a_cache_mount_makes_no_directory_and_sets_no_owner()
    {
        // A cached step runs nothing, so nothing is made for it: rootless ibuild outside its user
        // namespace could not give the directory its owner, and a fresh store (a --cache-from CI
        // build) would otherwise make directories no step uses.
        using var harness = new EngineHarness();
        const string Dockerfile = "FROM base\nRUN --mount=type=cache,target=/root/.cache,uid=1000 first\n";
        await harness.BuildAsync(Dockerfile);
        var made = Assert.IsType<StepBindMount>(Assert.Single(harness.Runner.Run("first").Mounts)).Root;
        Directory.Delete(made);
        harness.Files.Owners.Clear();
        harness.Runner.Runs.Clear();

        await harness.BuildAsync(Dockerfile);

        Assert.Empty(harness.Runner.Runs);
        Assert.Empty(harness.Files.Owners);
        Assert.False(Directory.Exists(made));
        Assert.Empty(harness.Store.ListScratch());
    }

    [Fact]
    public async Task Secret_and_tmpfs_mounts_reach_the_runner_and_a_secret_env_its_environment()
    {
        using var harness = new EngineHarness();
        var secrets = new Dictionary<string, byte[]> { ["token"] = Encoding.UTF8.GetBytes("s3cret") };

        await harness.BuildAsync(
            "FROM base\nRUN --mount=type=secret,id=token --mount=type=tmpfs,target=/scratch use\nRUN --mount=type=secret,id=token,env=TOKEN env\n",
            engine: new EngineOptions { Secrets = secrets });

        var use = harness.Runner.Run("use");
        var secret = Assert.IsType<StepContentMount>(use.Mounts[0]);
        Assert.Equal("/run/secrets/token", secret.Target);
        Assert.Equal("s3cret", Encoding.UTF8.GetString(secret.Content));
        Assert.Equal("/scratch", Assert.IsType<StepTmpfsMount>(use.Mounts[1]).Target);
        Assert.Contains("TOKEN=s3cret", harness.Runner.Run("env").Env);
    }

    [Fact]
    public async Task Only_a_run_marked_security_insecure_asks_the_runner_for_an_insecure_process()
    {
        using var harness = new EngineHarness();
        var allowed = new PlanOptions { Entitlements = new HashSet<Entitlement> { Entitlement.SecurityInsecure } };

        await harness.BuildAsync("FROM base\nRUN --security=insecure wide\nRUN --security=sandbox narrow\nRUN plain\n", allowed);

        Assert.Equal([true, false, false], harness.Runner.Runs.Select(r => r.Insecure));
    }

    [Fact]
    public async Task A_shebang_heredoc_is_mounted_executable_where_its_argv_runs_it_and_its_text_is_in_the_key()
    {
        using var harness = new EngineHarness();

        await harness.BuildAsync("FROM base\nRUN <<EOF\n#!/bin/sh\necho one\nEOF\n");
        await harness.BuildAsync("FROM base\nRUN <<EOF\n#!/bin/sh\necho one\nEOF\n");
        await harness.BuildAsync("FROM base\nRUN <<EOF\n#!/bin/sh\necho two\nEOF\n");

        // The same script is a cache hit; another text runs again.
        Assert.Equal(2, harness.Runner.Runs.Count);
        var first = harness.Runner.Runs.First();
        Assert.Equal(["/dev/pipes/EOF"], first.Argv);
        var script = Assert.IsType<StepContentMount>(Assert.Single(first.Mounts));
        Assert.Equal(("/dev/pipes/EOF", "#!/bin/sh\necho one\n", 0x1ed, true), (script.Target, Encoding.UTF8.GetString(script.Content), script.Mode, script.Executable));
    }

    [Fact]
    public async Task A_bind_mount_of_a_stage_mounts_its_layers()
    {
        using var harness = new EngineHarness();
        harness.Runner.On("make").Writes("out/tool", "t");

        await harness.BuildAsync("FROM base AS tools\nRUN make\nFROM base\nRUN --mount=type=bind,from=tools,source=/out,target=/tools use\n");

        var mount = Assert.IsType<StepLayersMount>(Assert.Single(harness.Runner.Run("use").Mounts));
        Assert.Equal("/tools", mount.Target);
        Assert.Equal("out", mount.SubPath);
        Assert.True(File.Exists(Path.Combine(Assert.Single(mount.LowerDirs), "out", "tool")));
    }
}
