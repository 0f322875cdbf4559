using ImageBuilder.Core.Oci;
using ImageBuilder.Dockerfile;
using ImageBuilder.Planning;

namespace ImageBuilder.Planning.Tests;

/// <summary>
/// The image history and config details the reference suite (testdata/reference) found
/// different from BuildKit, pinned to BuildKit's dockerfile2llb behaviour.
/// </summary>
public sealed class BuildKitHistoryTests
{
    private sealed class OneImage : IImageSource
    {
        public Task<BaseImage?> FindAsync(string reference, Platform platform, CancellationToken cancellationToken) => Task.FromResult<BaseImage?>(reference != "base" ? null : new BaseImage(reference, Digest.Parse("sha256:" + new string('b', 64)), new ImageConfig
        {
            Architecture = Platform.Current.Architecture,
            Os = "linux",
            RootFs = new RootFs { DiffIds = [] },
            Config = new ExecutionConfig { Env = ["PATH=/bin"] },
        }));
    }

    private static BuildPlan Plan(string dockerfile, PlanOptions? options = null) =>
        new Planner(new OneImage()).PlanNow(DockerfileParser.Parse(dockerfile), options ?? new PlanOptions());

    private static List<string> History(BuildPlan plan) => plan.Target.Steps.Select(s => s.CreatedBy).ToList();

    [Fact]
    public void Run_history_lists_every_declared_arg_with_env_winning_and_unset_ones_empty()
    {
        var plan = Plan("FROM base\nARG A=1\nARG B=argb\nARG UNSET\nENV B=envb\nARG C\nRUN true\n",
            new PlanOptions { BuildArgs = new Dictionary<string, string> { ["C"] = "cli" } });

        Assert.Equal("RUN |4 A=1 B=envb UNSET= C=cli /bin/sh -c true # buildkit", History(plan)[^1]);
        var run = Assert.IsType<RunStep>(plan.Target.Steps[^1]);
        Assert.DoesNotContain(run.Environment, e => e.StartsWith("UNSET=", StringComparison.Ordinal));
        Assert.Contains("B=envb", run.Environment);
    }

    [Fact]
    public void Onbuild_records_the_trigger_but_writes_no_history()
    {
        var plan = Plan("FROM base\nONBUILD RUN echo x\nLABEL a=b\n");
        Assert.Equal(["RUN echo x"], plan.Target.Config.Config!.OnBuild);
        Assert.Equal(["LABEL a=b"], History(plan));
    }

    [Fact]
    public void Shell_volume_expose_and_healthcheck_history_read_as_go_prints_them()
    {
        var plan = Plan("""
            FROM base
            SHELL ["/bin/sh", "-ec"]
            VOLUME ["/data", "/logs"]
            EXPOSE 80 443/udp 8000-8001
            HEALTHCHECK --interval=90s --timeout=1500ms --retries=4 CMD wget -q localhost || exit 1
            HEALTHCHECK NONE
            """);

        Assert.Equal(
            [
                "SHELL [/bin/sh -ec]",
                "VOLUME [/data /logs]",
                "EXPOSE [80/tcp 443/udp 8000/tcp 8001/tcp]",
                "HEALTHCHECK {Test:[CMD-SHELL wget -q localhost || exit 1] Interval:1m30s Timeout:1.5s StartPeriod:0s StartInterval:0s Retries:4}",
                "HEALTHCHECK {Test:[NONE] Interval:0s Timeout:0s StartPeriod:0s StartInterval:0s Retries:0}",
            ],
            History(plan));
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(250 * TimeSpan.TicksPerMillisecond, "250ms")]
    [InlineData(TimeSpan.TicksPerHour * 2, "2h0m0s")]
    [InlineData(TimeSpan.TicksPerSecond * 61, "1m1s")]
    public void Durations_print_as_go_prints_them(long ticks, string expected) =>
        Assert.Equal(expected, HistoryText.GoDuration(TimeSpan.FromTicks(ticks)));

    [Fact]
    public void Copy_from_history_names_the_paths_only_and_scratch_has_working_dir_root()
    {
        var plan = Plan("FROM base AS a\nRUN true\nFROM scratch\nCOPY --from=a /x /y\n");
        Assert.Equal(["COPY /x /y # buildkit"], History(plan));
        Assert.Equal("/", plan.Target.Config.Config!.WorkingDir);
    }

    [Fact]
    public void Copy_and_add_history_carry_chown_and_chmod_as_written_after_expansion()
    {
        var plan = Plan("FROM base\nARG U=1000\nCOPY --chown=$U:2 --chmod=640 a b /dst/\nADD --chmod=755 x /x\nCOPY --parents p/q /r/\n");
        Assert.Equal(
            ["COPY --chown=1000:2 --chmod=640 a b /dst/ # buildkit", "ADD --chmod=755 x /x # buildkit", "COPY --parents p/q /r/ # buildkit"],
            History(plan).Skip(1));
    }

    [Fact]
    public void A_stage_built_from_a_stage_inherits_its_args_in_run_env_and_history()
    {
        var plan = Plan("FROM base AS first\nARG FIRST=one\nFROM first\nARG SECOND=two\nRUN true\n");
        var run = Assert.IsType<RunStep>(plan.Target.Steps[^1]);
        Assert.Contains("FIRST=one", run.Environment);
        Assert.Equal("RUN |2 FIRST=one SECOND=two /bin/sh -c true # buildkit", run.CreatedBy);
    }
}
