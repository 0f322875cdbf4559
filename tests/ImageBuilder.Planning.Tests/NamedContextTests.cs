using ImageBuilder.Core.Oci;
using ImageBuilder.Dockerfile;
using ImageBuilder.Planning;

namespace ImageBuilder.Planning.Tests;

/// <summary><c>--build-context NAME=VALUE</c>: which stage, image or name a named context replaces, as BuildKit resolves them.</summary>
public sealed class NamedContextTests
{
    private sealed class FakeImages : IImageSource
    {
        public List<string> Asked { get; } = [];

        public Task<BaseImage?> FindAsync(string reference, Platform platform, CancellationToken cancellationToken)
        {
            Asked.Add(reference);
            var config = new ImageConfig
            {
                Architecture = platform.Architecture,
                Os = "linux",
                RootFs = new RootFs { DiffIds = [] },
                Config = new ExecutionConfig { Env = [$"FROM_IMAGE={reference}"] },
            };
            return Task.FromResult<BaseImage?>(new BaseImage(reference, Digest.Parse("sha256:" + new string('b', 64)), config));
        }
    }

    private static BuildPlan Plan(string dockerfile, FakeImages images, params NamedContext[] contexts) =>
        new Planner(images).PlanNow(DockerfileParser.Parse(dockerfile), new PlanOptions { Contexts = contexts.ToDictionary(c => c.Name) });

    [Fact]
    public void A_docker_image_context_replaces_the_image_FROM_names_and_the_image_is_never_asked_for()
    {
        var images = new FakeImages();
        var plan = Plan("FROM alpine\nRUN true\n", images, new ImageContext("alpine", "busybox:1.36", "docker-image://busybox:1.36"));

        Assert.Equal("busybox:1.36", Assert.IsType<ImageBase>(plan.Target.Base).Image.Reference);
        Assert.Equal(["busybox:1.36"], images.Asked);
        Assert.Contains("[context alpine=docker-image://busybox:1.36]", plan.Target.FromTitle);
    }

    [Theory]
    [InlineData("FROM docker.io/library/alpine:latest", "alpine")]
    [InlineData("FROM alpine:3.18", "alpine:3.18")]
    [InlineData("FROM index.docker.io/library/alpine:3.18", "alpine:3.18")]
    public void Names_are_compared_as_normalized_references(string from, string contextName)
    {
        var images = new FakeImages();
        var plan = Plan(from + "\n", images, new ImageContext(contextName, "busybox", "docker-image://busybox"));

        Assert.Equal("busybox", Assert.IsType<ImageBase>(plan.Target.Base).Image.Reference);
    }

    [Fact]
    public void A_context_with_a_tag_does_not_replace_another_tag_of_the_image()
    {
        var images = new FakeImages();
        var plan = Plan("FROM alpine:3.19\n", images, new ImageContext("alpine:3.18", "busybox", "docker-image://busybox"));

        Assert.Equal("alpine:3.19", Assert.IsType<ImageBase>(plan.Target.Base).Image.Reference);
    }

    [Fact]
    public void A_context_named_like_a_stage_replaces_the_stage_whose_base_and_commands_are_not_used()
    {
        var images = new FakeImages();
        var plan = Plan("""
            FROM golang AS build
            RUN exit 1
            FROM build
            COPY --from=build /out /out
            """, images, new ImageContext("build", "busybox", "docker-image://busybox"));

        var build = plan.Stages.Single(s => s.Name == "build");
        Assert.Empty(build.Steps);
        Assert.Equal("busybox", Assert.IsType<ImageBase>(build.Base).Image.Reference);
        Assert.Equal(new StageOutputBase(build.Index), plan.Target.Base);
        Assert.Equal("busybox", Assert.IsType<ImageSource>(Assert.IsType<CopyStep>(plan.Target.Steps[0]).Source).Image.Reference);
        Assert.DoesNotContain("golang", images.Asked);
    }

    [Fact]
    public void COPY_from_and_a_mount_from_a_directory_context_read_that_context_even_over_a_stage_of_the_name()
    {
        var plan = Plan("""
            FROM scratch AS lib
            RUN exit 1
            FROM scratch
            COPY --from=lib /a /a
            COPY --from=0 /b /b
            COPY --from=assets /c /c
            RUN --mount=from=assets,target=/mnt true
            """, new FakeImages(), new DirectoryContext("lib", "/src/lib"), new DirectoryContext("assets", "/src/assets"));

        var copies = plan.Target.Steps.OfType<CopyStep>().ToList();
        Assert.Equal([new ContextSource("lib"), new ContextSource("lib"), new ContextSource("assets")], copies.Select(c => c.Source));
        Assert.Equal(new ContextSource("assets"), plan.Target.Steps.OfType<RunStep>().Single().Mounts[0].From);
        Assert.Single(plan.Stages);
    }

    [Fact]
    public void COPY_from_an_image_context_copies_from_its_image()
    {
        var images = new FakeImages();
        var plan = Plan("FROM scratch\nCOPY --from=tools /bin/x /x\n", images, new ImageContext("tools", "busybox", "docker-image://busybox"));

        Assert.Equal("busybox", Assert.IsType<ImageSource>(Assert.IsType<CopyStep>(plan.Target.Steps[0]).Source).Image.Reference);
    }

    [Fact]
    public void FROM_a_directory_context_starts_from_scratch_with_the_directory_copied_as_its_first_step()
    {
        var plan = Plan("FROM rootfs\nRUN true\n", new FakeImages(), new DirectoryContext("rootfs", "/src/rootfs"));

        Assert.IsType<ScratchBase>(plan.Target.Base);
        var copy = Assert.IsType<CopyStep>(plan.Target.Steps[0]);
        Assert.Equal(new ContextSource("rootfs"), copy.Source);
        Assert.Equal(["."], copy.Sources);
        Assert.Equal("/", copy.Destination);
        Assert.Equal(1, copy.Instruction.Span.StartLine);
        Assert.Contains("PATH=" + StagePlanner.DefaultPath, plan.Target.Config.Config!.Env!);
    }

    [Fact]
    public void A_named_context_changes_the_step_key_so_it_never_shares_the_main_contexts_cache_record()
    {
        var main = Plan("FROM scratch\nCOPY a /a\n", new FakeImages());
        var named = Plan("FROM scratch\nCOPY --from=lib a /a\n", new FakeImages(), new DirectoryContext("lib", "/src/lib"));

        Assert.NotEqual(main.Target.Steps[0].Describe(), named.Target.Steps[0].Describe());
    }

    [Fact]
    public void Scratch_is_never_a_named_context()
    {
        var plan = Plan("FROM scratch\n", new FakeImages(), new ImageContext("scratch", "busybox", "docker-image://busybox"));

        Assert.IsType<ScratchBase>(plan.Target.Base);
    }

    [Theory]
    [InlineData("alpine", "alpine")]
    [InlineData("docker.io/library/alpine:latest", "alpine")]
    [InlineData("alpine:3.18", "alpine:3.18")]
    [InlineData("localhost:5000/app:latest", "localhost:5000/app")]
    [InlineData("build", "build")]
    [InlineData("Build", null)]
    [InlineData("", null)]
    public void Context_names_normalize_as_buildx_normalizes_them(string name, string? expected)
    {
        Assert.Equal(expected, ContextNames.Normalize(name, out _));
    }
}
