using ImageBuilder.Dockerfile;
using ImageBuilder.Planning.Subrequests;

namespace ImageBuilder.Planning.Tests;

/// <summary>The outline of a target (BuildKit's --call=outline): the args, secrets and ssh ids the target and its dependencies use.</summary>
public sealed class OutlineTests
{
    private static BuildOutline Outline(string dockerfile, string? target = null, Dictionary<string, string>? buildArgs = null) =>
        OutlineBuilder.Build(DockerfileParser.Parse(dockerfile), new PlanOptions { Target = target, BuildArgs = buildArgs ?? [] });

    private static string Args(BuildOutline outline) => string.Join(" ", outline.Args.Select(a => $"{a.Name}={a.Value}@{a.Location.StartLine}"));

    [Fact]
    public void Args_of_a_stage_reached_through_copy_from_are_listed_and_an_unused_stages_are_not()
    {
        var outline = Outline("""
            FROM alpine AS deps
            ARG DEPS_VERSION=3
            FROM alpine AS unused
            ARG NEVER=1
            FROM alpine AS app
            ARG APP=x
            COPY --from=deps /d /d
            """);

        Assert.Equal("DEPS_VERSION=3@2 APP=x@6", Args(outline));
        Assert.Equal("app", outline.Name);
    }

    [Fact]
    public void Args_of_a_base_stage_and_of_a_run_mount_from_stage_are_listed()
    {
        var outline = Outline("""
            FROM alpine AS base
            ARG BASE=b
            FROM alpine AS tools
            ARG TOOLS=t
            FROM base
            RUN --mount=from=tools,target=/t true
            """);

        Assert.Equal("BASE=b@2 TOOLS=t@4", Args(outline));
        Assert.Null(outline.Name);
    }

    [Fact]
    public void A_global_arg_counts_only_where_a_from_line_of_the_graph_names_it_with_the_args_its_default_names()
    {
        var outline = Outline("""
            # REGISTRY where images come from
            ARG REGISTRY=docker.io
            ARG TAG=3.20
            ARG IMAGE=${REGISTRY}/alpine
            ARG UNUSED=1
            ARG FOR_OTHER=2
            FROM ${IMAGE}:${TAG} AS app
            FROM ${FOR_OTHER} AS other
            """, target: "app");

        Assert.Equal("REGISTRY=docker.io@2 TAG=3.20@3 IMAGE=docker.io/alpine@4", Args(outline));
        Assert.Equal("where images come from", outline.Args[0].Description);
    }

    [Fact]
    public void A_global_arg_declared_again_in_a_stage_is_listed_once_as_the_global_one()
    {
        var outline = Outline("""
            # V the version
            ARG V=1
            FROM alpine
            ARG V
            ARG TARGETARCH
            """);

        Assert.Equal("V=1@2", Args(outline));
        Assert.Equal("the version", outline.Args[0].Description);
    }

    [Fact]
    public void Defaults_are_expanded_with_the_args_and_env_before_them_and_build_args_win()
    {
        var outline = Outline("""
            FROM alpine AS base
            ENV PREFIX=/opt
            ARG NAME=app
            FROM base
            ARG DIR=${PREFIX}/${NAME}
            ARG GIVEN=default
            ARG EMPTY
            """, buildArgs: new() { ["GIVEN"] = "given" });

        Assert.Equal("NAME=app@3 DIR=/opt/app@5 GIVEN=given@6 EMPTY=@7", Args(outline));
        Assert.Null(outline.Args[3].Value);
    }

    [Fact]
    public void Descriptions_of_the_target_and_its_args()
    {
        var outline = Outline("""
            FROM alpine AS base
            # release builds the release image
            FROM base AS release
            # LEVEL how hard to optimise
            ARG LEVEL=2
            """);

        Assert.Equal(("release", "builds the release image"), (outline.Name, outline.Description));
        Assert.Equal("how hard to optimise", Assert.Single(outline.Args).Description);
    }

    [Fact]
    public void Secrets_and_ssh_ids_of_the_graph_in_line_order_each_once_the_targets_own_first()
    {
        var outline = Outline("""
            FROM alpine AS deps
            RUN --mount=type=secret,id=npmrc,required --mount=type=ssh true
            FROM alpine AS unused
            RUN --mount=type=secret,id=never --mount=type=ssh,id=never true
            FROM alpine
            ARG TOKEN_ID=token
            RUN --mount=type=secret,id=${TOKEN_ID} --mount=type=secret,target=/run/secrets/aws --mount=type=ssh,id=github,required true
            RUN --mount=type=secret,id=npmrc --mount=type=ssh true
            COPY --from=deps /d /d
            """);

        // As BuildKit: an id the target uses itself is listed from the target (line 8), not from the stage it copies from.
        Assert.Equal(["token:False@7", "aws:False@7", "npmrc:False@8"], outline.Secrets.Select(s => $"{s.Name}:{s.Required}@{s.Location.StartLine}"));
        Assert.Equal(["github:True@7", "default:False@8"], outline.Ssh.Select(s => $"{s.Name}:{s.Required}@{s.Location.StartLine}"));

        var deps = Outline("FROM alpine AS deps\nRUN --mount=type=secret,id=npmrc,required --mount=type=ssh true\nFROM alpine\nCOPY --from=deps /d /d\n");
        Assert.Equal(["npmrc:True@2"], deps.Secrets.Select(s => $"{s.Name}:{s.Required}@{s.Location.StartLine}"));
        Assert.Equal(["default:False@2"], deps.Ssh.Select(s => $"{s.Name}:{s.Required}@{s.Location.StartLine}"));
    }

    [Fact]
    public void An_unknown_target_is_ib2001()
    {
        var error = Assert.Throws<DockerfileException>(() => Outline("FROM alpine AS a\n", target: "b"));

        Assert.Equal(ErrorCode.UnknownStage, error.Diagnostics[0].Code);
    }

    [Fact]
    public void Targets_list_every_stage_with_its_description_the_last_as_default()
    {
        var targets = BuildTarget.List(DockerfileParser.Parse("""
            # base the common base
            FROM --platform=$BUILDPLATFORM alpine AS base
            FROM base AS test
            # release what ships
            FROM scratch AS release
            """));

        Assert.Equal(
            ["base|the common base|False|alpine|$BUILDPLATFORM|2", "test||False|base||3", "release|what ships|True|scratch||5"],
            targets.Select(t => $"{t.Name}|{t.Description}|{t.IsDefault}|{t.Base}|{t.Platform}|{t.Location.StartLine}"));
    }
}
