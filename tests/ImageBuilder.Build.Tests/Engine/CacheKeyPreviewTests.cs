using ImageBuilder.Build.Context;
using ImageBuilder.Build.Engine;

namespace ImageBuilder.Build.Tests.Engine;

/// <summary><c>ibuild graph</c>'s cache keys are the ones the engine looks up, or none where only a build can tell.</summary>
public sealed class CacheKeyPreviewTests
{
    private const string Dockerfile = """
        FROM base AS tools
        RUN make-tools
        FROM scratch AS empty
        FROM base
        ARG VERSION=1
        RUN fetch
        COPY app.txt /app/
        COPY --from=tools /t /t
        RUN --mount=type=bind,from=tools,target=/m --mount=type=cache,target=/c build
        CMD ["app"]
        WORKDIR /w
        """;

    private static EngineHarness Harness()
    {
        var harness = new EngineHarness();
        harness.WriteContext("app.txt", "v1");
        harness.Runner.On("make-tools").Writes("t", "t");
        harness.Runner.On("fetch").Writes("deps", "d");
        harness.Runner.On("build").Writes("out", "o");
        return harness;
    }

    [Fact]
    public async Task With_the_contexts_checksum_every_key_is_one_the_engine_looked_up()
    {
        using var harness = Harness();
        var built = await harness.BuildAsync(Dockerfile);
        var plan = await harness.PlanAsync(Dockerfile);
        var context = BuildContext.Load(harness.ContextDir, null, null);

        var keys = CacheKeyPreview.Keys(plan, _ => true, sources => context.Checksum(sources));

        var previewed = keys.OrderBy(k => k.Key).SelectMany(k => k.Value).ToList();
        Assert.All(previewed, k => Assert.NotNull(k));
        Assert.Equal(built.CacheKeys.Select(k => k.Key.ToString()).Order(), previewed.Select(k => k!.Value.ToString()).Order());
    }

    [Fact]
    public async Task Without_the_context_a_COPY_from_it_and_every_later_step_of_its_stage_are_unknown()
    {
        using var harness = Harness();
        var built = await harness.BuildAsync(Dockerfile);
        var plan = await harness.PlanAsync(Dockerfile);

        var keys = CacheKeyPreview.Keys(plan, _ => true);

        var target = keys[plan.Target.Index];
        Assert.NotNull(target[1]);
        Assert.Contains(target[1]!.Value, built.CacheKeys.Select(k => k.Key));
        Assert.All(target.Skip(2), k => Assert.Null(k));
        Assert.All(keys[0], k => Assert.NotNull(k));
    }

    [Fact]
    public async Task A_base_image_the_store_lacks_gives_no_key()
    {
        using var harness = Harness();
        var plan = await harness.PlanAsync(Dockerfile);

        var keys = CacheKeyPreview.Keys(plan, image => image.Reference != "base");

        Assert.All(keys[0], k => Assert.Null(k));
        Assert.All(keys[plan.Target.Index], k => Assert.Null(k));
    }
}
