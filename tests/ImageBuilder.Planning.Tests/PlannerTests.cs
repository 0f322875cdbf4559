using ImageBuilder.Core.Oci;
using ImageBuilder.Dockerfile;
using ImageBuilder.Planning;

namespace ImageBuilder.Planning.Tests;

public sealed class PlannerTests
{
    private static readonly Digest SomeManifest = Digest.Parse("sha256:" + new string('a', 64));

    private sealed class FakeImages(params (string Name, ImageConfig Config)[] images) : IImageSource
    {
        public Task<BaseImage?> FindAsync(string reference, Platform platform, CancellationToken cancellationToken) =>
            Task.FromResult(images.Where(i => i.Name == reference).Select(i => new BaseImage(reference, SomeManifest, i.Config)).FirstOrDefault());
    }

    private static ImageConfig Config(ExecutionConfig? execution = null) => new()
    {
        Architecture = Platform.Current.Architecture,
        Os = "linux",
        RootFs = new RootFs { DiffIds = [] },
        Config = execution,
    };

    private static BuildPlan Plan(string dockerfile, PlanOptions? options = null, IImageSource? images = null) =>
        new Planner(images ?? new FakeImages(("base", Config(new ExecutionConfig { Env = ["PATH=/bin", "FROMBASE=yes"] }))))
            .PlanNow(DockerfileParser.Parse(dockerfile), options ?? new PlanOptions());

    [Fact]
    public void Only_the_stages_the_target_needs_are_planned_dependencies_first()
    {
        var plan = Plan("""
            FROM base AS a
            RUN echo a
            FROM base AS unused
            RUN echo never
            FROM base AS b
            RUN echo b
            FROM scratch
            COPY --from=b /b /b
            COPY --from=a /a /a
            """);

        Assert.Equal(["a", "b", ""], plan.Stages.Select(s => s.DisplayName));
        Assert.Equal(3, plan.Target.Index);
        Assert.Equal(new HashSet<int> { 0, 2 }, plan.Target.DependsOn);
    }

    [Fact]
    public void Target_picks_a_stage_and_an_unknown_target_is_a_located_error()
    {
        const string text = "FROM base AS build\nRUN make\nFROM scratch\nCOPY --from=build /out /\n";
        Assert.Equal("build", Plan(text, new PlanOptions { Target = "build" }).Target.Name);

        var error = Assert.Throws<DockerfileException>(() => Plan(text, new PlanOptions { Target = "tets" }));
        Assert.Equal(ErrorCode.UnknownStage, error.Code);
        Assert.Contains("tets", error.Message);
    }

    [Fact]
    public void A_missing_base_image_is_reported_at_its_FROM_line()
    {
        var error = Assert.Throws<DockerfileException>(() => Plan("FROM scratch\nRUN true\nFROM nothere:1\n"));
        Assert.Equal(ErrorCode.ImageNotFound, error.Code);
        Assert.Equal(3, error.Span!.Value.StartLine);
    }

    [Fact]
    public void Global_args_reach_FROM_and_stages_that_declare_them_again()
    {
        var plan = Plan("""
            ARG BASE=base
            ARG VERSION=1
            FROM $BASE
            ARG VERSION
            RUN echo $VERSION
            """, new PlanOptions { BuildArgs = new Dictionary<string, string> { ["VERSION"] = "2" } });

        var run = Assert.IsType<RunStep>(plan.Target.Steps[1]);
        Assert.Contains("VERSION=2", run.Environment);
        Assert.Equal("RUN |1 VERSION=2 /bin/sh -c echo $VERSION # buildkit", run.CreatedBy);
        Assert.Empty(plan.Warnings);
    }

    [Fact]
    public void Env_wins_over_arg_in_expansion_and_in_the_step_environment()
    {
        var plan = Plan("""
            FROM base
            ARG NAME=fromarg
            ENV NAME=fromenv
            WORKDIR /$NAME
            RUN true
            """);

        Assert.Equal("/fromenv", Assert.IsType<WorkdirStep>(plan.Target.Steps[2]).Path);
        var run = Assert.IsType<RunStep>(plan.Target.Steps[3]);
        Assert.Contains("NAME=fromenv", run.Environment);
        Assert.DoesNotContain("NAME=fromarg", run.Environment);
        Assert.Equal("/fromenv", run.WorkingDirectory);
    }

    [Fact]
    public void Proxy_args_reach_RUN_but_not_its_cache_key_or_history_unless_declared()
    {
        var options = new PlanOptions { BuildArgs = new Dictionary<string, string> { ["HTTP_PROXY"] = "http://proxy:3128" } };
        var run = Assert.IsType<RunStep>(Plan("FROM base\nRUN true\n", options).Target.Steps[0]);
        Assert.Contains("HTTP_PROXY=http://proxy:3128", run.Environment);
        Assert.DoesNotContain("HTTP_PROXY=http://proxy:3128", run.KeyEnvironment);
        Assert.DoesNotContain("proxy", run.CreatedBy);

        var declared = Assert.IsType<RunStep>(Plan("FROM base\nARG HTTP_PROXY\nRUN true\n", options).Target.Steps[1]);
        Assert.Contains("HTTP_PROXY=http://proxy:3128", declared.KeyEnvironment);
    }

    [Fact]
    public void Unused_build_args_are_a_warning()
    {
        var plan = Plan("FROM base\nRUN true\n", new PlanOptions { BuildArgs = new Dictionary<string, string> { ["NOPE"] = "1" } });
        Assert.Contains(plan.Warnings, w => w.Contains("NOPE"));
    }

    [Fact]
    public void Platform_args_are_predefined_globally_and_declared_again_in_a_stage()
    {
        var run = Assert.IsType<RunStep>(Plan("FROM base\nARG TARGETARCH\nRUN echo $TARGETARCH\n").Target.Steps[1]);
        Assert.Contains($"TARGETARCH={Platform.Current.Architecture}", run.Environment);
    }

    private static readonly Platform Arm64 = Platform.Parse("linux/arm64");

    /// <summary>Images by name, each for the platforms listed; records every lookup with its platform.</summary>
    private sealed class PlatformImages(params (string Name, string[] Platforms)[] images) : IImageSource
    {
        public List<string> Asked { get; } = [];

        public Task<BaseImage?> FindAsync(string reference, Platform platform, CancellationToken cancellationToken)
        {
            Asked.Add($"{reference} {platform}");
            var image = images.FirstOrDefault(i => i.Name == reference);
            if (image.Name is null)
            {
                return Task.FromResult<BaseImage?>(null);
            }

            if (!image.Platforms.Contains(platform.ToString()))
            {
                throw new ImagePlatformException($"image \"{reference}\" has no {platform} image (it has {string.Join(", ", image.Platforms)})", "build for one of those");
            }

            var config = Config() with { Architecture = platform.Architecture, Os = platform.Os, Variant = platform.Variant };
            return Task.FromResult<BaseImage?>(new BaseImage(reference, SomeManifest, config));
        }
    }

    [Fact]
    public void Each_stage_is_built_for_its_from_platform_else_its_base_stages_else_the_target()
    {
        var host = Platform.Current.ToString();
        var images = new PlatformImages(("base", [host, "linux/arm64"]));
        var plan = Plan("""
            FROM --platform=$BUILDPLATFORM base AS tools
            ARG TARGETARCH
            RUN echo building for $TARGETARCH
            FROM tools AS more
            RUN echo more
            FROM base
            COPY --from=more /out /out
            """, new PlanOptions { Platform = Arm64 }, images);

        Assert.Equal([host, host, "linux/arm64"], plan.Stages.Select(s => s.Platform.ToString()));
        Assert.Equal(["arm64", "arm64"], plan.Stages.Select(s => s.Config.Architecture).Skip(2).Prepend(plan.Target.Config.Architecture));
        Assert.Equivalent(new[] { $"base {host}", "base linux/arm64" }, images.Asked.Distinct(), strict: true);
        // TARGETARCH is the build's target, also in a stage built for the build platform: what cross-compiling needs.
        Assert.Contains("TARGETARCH=arm64", Assert.IsType<RunStep>(plan.Stages[0].Steps[1]).Environment);
    }

    [Fact]
    public void An_image_named_by_copy_from_is_taken_for_the_target_platform_also_in_a_build_platform_stage()
    {
        var host = Platform.Current.ToString();
        var images = new PlatformImages(("base", [host, "linux/arm64"]), ("tool", [host, "linux/arm64"]));

        Plan("FROM --platform=$BUILDPLATFORM base\nCOPY --from=tool /t /t\n", new PlanOptions { Platform = Arm64 }, images);

        Assert.Equal([$"base {host}", "tool linux/arm64"], images.Asked.Distinct());
    }

    [Fact]
    public void A_base_without_the_target_platform_is_a_located_error_naming_the_platforms_it_has()
    {
        var images = new PlatformImages(("base", [Platform.Current.ToString()]));

        var error = Assert.Throws<DockerfileException>(() => Plan("FROM scratch AS a\nFROM base\nRUN true\n", new PlanOptions { Platform = Arm64 }, images));

        Assert.Equal(ErrorCode.UnsupportedPlatform, error.Code);
        Assert.Equal(2, error.Span!.Value.StartLine);
        Assert.Contains("has no linux/arm64 image", error.Message);
        Assert.Equal("build for one of those", error.Diagnostics[0].Hint);
    }

    [Fact]
    public void A_from_platform_that_is_not_one_is_a_located_error()
    {
        var error = Assert.Throws<DockerfileException>(() => Plan("FROM --platform=arm64 base\n"));

        Assert.Equal(ErrorCode.UnsupportedPlatform, error.Code);
        Assert.Contains("\"arm64\" is not a platform", error.Message);
    }

    [Fact]
    public void A_multi_platform_build_names_the_platform_in_each_title()
    {
        var images = new PlatformImages(("base", ["linux/arm64"]));

        var plan = Plan("FROM base AS b\nRUN true\n", new PlanOptions { Platform = Arm64, ShowPlatform = true }, images);

        Assert.Equal("[linux/arm64 b 1/2] FROM base", plan.Target.FromTitle);
        Assert.Equal("[linux/arm64 b 2/2] RUN true", plan.Target.Steps[0].Title);
    }

    [Fact]
    public void The_config_follows_the_instructions()
    {
        var plan = Plan("""
            FROM base
            ENV A=1 B=2
            LABEL z=last a=first
            EXPOSE 80 8000-8001/udp
            USER app
            WORKDIR /srv
            WORKDIR data
            VOLUME /v
            STOPSIGNAL SIGINT
            SHELL ["/bin/bash", "-c"]
            CMD echo hi
            """, new PlanOptions { Labels = new Dictionary<string, string> { ["extra"] = "yes" } });

        var config = plan.Target.Config.Config!;
        Assert.Equal(["PATH=/bin", "FROMBASE=yes", "A=1", "B=2"], config.Env);
        Assert.Equal(["a", "extra", "z"], config.Labels!.Keys);
        Assert.Equal(["80/tcp", "8000/udp", "8001/udp"], config.ExposedPorts);
        Assert.Equal("app", config.User);
        Assert.Equal("/srv/data", config.WorkingDir);
        Assert.Equal(["/v"], config.Volumes);
        Assert.Equal("SIGINT", config.StopSignal);
        Assert.Equal(["/bin/bash", "-c", "echo hi"], config.Cmd);
        Assert.Equal("app", Assert.IsType<WorkdirStep>(plan.Target.Steps[5]).User);
    }

    [Fact]
    public void Entrypoint_clears_a_cmd_from_the_base_but_not_one_set_in_the_stage()
    {
        var images = new FakeImages(("base", Config(new ExecutionConfig { Cmd = ["sh"] })));
        Assert.Null(Plan("FROM base\nENTRYPOINT [\"app\"]\n", images: images).Target.Config.Config!.Cmd);
        Assert.Equal(["x"], Plan("FROM base\nCMD [\"x\"]\nENTRYPOINT [\"app\"]\n", images: images).Target.Config.Config!.Cmd);
    }

    [Fact]
    public void A_base_images_onbuild_triggers_run_first_and_are_not_inherited()
    {
        var images = new FakeImages(("base", Config(new ExecutionConfig { OnBuild = ["RUN echo from-trigger", "ENV T=1"] })));
        var plan = Plan("FROM base\nRUN echo mine\n", images: images);

        Assert.Equal(["/bin/sh", "-c", "echo from-trigger"], Assert.IsType<RunStep>(plan.Target.Steps[0]).Argv);
        Assert.IsType<ConfigStep>(plan.Target.Steps[1]);
        Assert.Contains("T=1", Assert.IsType<RunStep>(plan.Target.Steps[2]).Environment);
        Assert.Null(plan.Target.Config.Config!.OnBuild);
        Assert.Equal(1, plan.Target.Steps[0].Instruction.Span.StartLine);
    }

    [Fact]
    public void Onbuild_in_a_stage_fires_in_a_stage_built_from_it()
    {
        var plan = Plan("FROM base AS parent\nONBUILD RUN echo child\nFROM parent\nRUN echo after\n");
        Assert.Equal(["/bin/sh", "-c", "echo child"], Assert.IsType<RunStep>(plan.Target.Steps[0]).Argv);
        Assert.Equal(["echo child"], plan.Stages[0].Config.Config!.OnBuild!.Select(t => t["RUN ".Length..]));
    }

    [Fact]
    public void Copy_from_cycles_are_refused()
    {
        var error = Assert.Throws<DockerfileException>(() => Plan("FROM base AS a\nCOPY --from=b /x /x\nFROM base AS b\nCOPY --from=a /y /y\n"));
        Assert.Equal(ErrorCode.UnknownStage, error.Code);
        Assert.Contains("cycle", error.Message);
    }

    [Fact]
    public void Copy_from_an_image_that_is_no_stage_uses_the_image()
    {
        var copy = Assert.IsType<CopyStep>(Plan("FROM scratch\nCOPY --from=base /etc/passwd /\n").Target.Steps[0]);
        Assert.Equal("base", Assert.IsType<ImageSource>(copy.Source).Image.Reference);
    }

    [Fact]
    public void A_lone_run_heredoc_becomes_the_shells_script()
    {
        var run = Assert.IsType<RunStep>(Plan("FROM base\nRUN <<EOF\necho one\necho two\nEOF\n").Target.Steps[0]);
        Assert.Equal(["/bin/sh", "-c", "echo one\necho two\n"], run.Argv);
    }

    [Fact]
    public void A_lone_run_heredoc_starting_with_a_shebang_is_its_own_script_at_dev_pipes_unexpanded()
    {
        var plan = Plan("FROM base\nARG WHO=x\nRUN <<PY\n#!/usr/bin/env python3\nprint('$WHO')\nPY\n");
        var run = Assert.IsType<RunStep>(plan.Target.Steps[1]);

        Assert.Equal(["/dev/pipes/PY"], run.Argv);
        Assert.Equal(new RunScript("/dev/pipes/PY", "#!/usr/bin/env python3\nprint('$WHO')\n"), run.Script);
    }

    [Fact]
    public void A_heredoc_used_by_a_command_is_handed_to_the_shell_whole()
    {
        var run = Assert.IsType<RunStep>(Plan("FROM base\nRUN cat <<EOF > /x\nhello\nEOF\n").Target.Steps[0]);
        Assert.Equal("cat <<EOF > /x\nhello\nEOF", run.Argv[2]);
    }

    [Fact]
    public void Copy_heredoc_contents_are_expanded_unless_quoted()
    {
        var plan = Plan("FROM base\nARG WHO=world\nCOPY <<EOF <<\"RAW\" /dst/\nhello $WHO\nEOF\nkeep $WHO\nRAW\n");
        var copy = Assert.IsType<CopyStep>(plan.Target.Steps[1]);
        Assert.Equal(["hello world\n", "keep $WHO\n"], copy.Contents.Select(c => c.Data));
    }

    [Fact]
    public void Titles_count_the_steps_that_change_files_as_buildkit_does()
    {
        var plan = Plan("FROM base AS app\nENV A=1\nWORKDIR /x\nCOPY . .\nRUN true\nCMD [\"x\"]\n");
        Assert.Equal("[app 1/4] FROM base", plan.Target.FromTitle);
        Assert.Equal(["ENV A=1", "[app 2/4] WORKDIR /x", "[app 3/4] COPY . .", "[app 4/4] RUN true", "CMD [\"x\"]"],
            plan.Target.Steps.Select(s => s.Title.StartsWith("[app]", StringComparison.Ordinal) ? s.Title["[app] ".Length..] : s.Title));
    }

    [Fact]
    public void Scratch_stages_get_the_default_path()
    {
        Assert.Equal(["PATH=" + StagePlanner.DefaultPath], Plan("FROM scratch\nCMD [\"x\"]\n").Target.Config.Config!.Env);
    }

    [Fact]
    public void Step_descriptions_differ_when_what_decides_the_result_differs()
    {
        var one = Plan("FROM base\nRUN echo a\n").Target.Steps[0].Describe();
        var same = Plan("FROM base\nRUN echo a\n").Target.Steps[0].Describe();
        var other = Plan("FROM base\nENV X=1\nRUN echo a\n").Target.Steps[1].Describe();
        Assert.Equal(one, same);
        Assert.NotEqual(one, other);
    }
}
