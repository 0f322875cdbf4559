using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Oci;
using ImageBuilder.Planning;

namespace ImageBuilder.Build.Tests.Engine;

/// <summary>
/// A step that runs although the store remembers an earlier build of it (same Dockerfile, stage
/// and place) says why, naming the one input that changed; a step built for the first time says nothing.
/// </summary>
public sealed class CacheMissReasonTests
{
    private static readonly EngineOptions Remembering = new() { Jobs = 4, StepScope = "/work/app/Dockerfile linux/amd64" };

    private static async Task<List<(string Title, string Reason)>> MissesAsync(EngineHarness harness, string dockerfile, PlanOptions? plan = null, EngineOptions? engine = null)
    {
        await harness.BuildAsync(dockerfile, plan, engine ?? Remembering);
        return [.. harness.Progress.Misses];
    }

    [Fact]
    public async Task A_changed_copy_source_is_named_and_the_step_after_it_blames_the_step_before()
    {
        using var harness = new EngineHarness();
        harness.WriteContext("app.txt", "v1");
        harness.WriteContext("other.txt", "o");
        const string Dockerfile = "FROM base\nCOPY app.txt other.txt /app/\nRUN build\n";
        Assert.Empty(await MissesAsync(harness, Dockerfile));

        harness.WriteContext("app.txt", "v2");

        Assert.Equal(
            [("[2/3] COPY app.txt other.txt /app/", "COPY: app.txt changed"), ("[3/3] RUN build", "the step before it changed")],
            await MissesAsync(harness, Dockerfile));
    }

    [Fact]
    public async Task Files_added_to_and_removed_from_a_copied_directory_are_named()
    {
        using var harness = new EngineHarness();
        harness.WriteContext("src/a.txt", "a");
        harness.WriteContext("src/b.txt", "b");
        const string Dockerfile = "FROM base\nCOPY src /src\n";
        await MissesAsync(harness, Dockerfile);

        File.Delete(Path.Combine(harness.ContextDir, "src/b.txt"));
        harness.WriteContext("src/c.txt", "c");

        Assert.Equal("COPY: src/c.txt added; src/b.txt removed", Assert.Single(await MissesAsync(harness, Dockerfile)).Reason);
    }

    [Fact]
    public async Task A_changed_build_arg_is_named_with_both_values()
    {
        using var harness = new EngineHarness();
        const string Dockerfile = "FROM base\nARG VERSION=1.2\nRUN build\n";
        await MissesAsync(harness, Dockerfile);

        var misses = await MissesAsync(harness, Dockerfile, new PlanOptions { BuildArgs = new Dictionary<string, string> { ["VERSION"] = "1.3" } });

        Assert.Equal(("[2/2] RUN build", "build arg VERSION changed (1.2 → 1.3)"), Assert.Single(misses));
    }

    [Fact]
    public async Task A_secret_looking_arg_is_named_without_its_values_and_they_are_not_stored()
    {
        using var harness = new EngineHarness();
        const string Dockerfile = "FROM base\nARG NPM_TOKEN\nRUN install\n";
        await MissesAsync(harness, Dockerfile, new PlanOptions { BuildArgs = new Dictionary<string, string> { ["NPM_TOKEN"] = "tok-one-0123" } });

        var misses = await MissesAsync(harness, Dockerfile, new PlanOptions { BuildArgs = new Dictionary<string, string> { ["NPM_TOKEN"] = "tok-two-4567" } });

        Assert.Equal("build arg NPM_TOKEN changed", Assert.Single(misses).Reason);
        var stored = Directory.GetFiles(Path.Combine(harness.Store.Root, "ibuild", "step-inputs")).Select(File.ReadAllText).ToList();
        Assert.NotEmpty(stored);
        Assert.All(stored, text => Assert.DoesNotContain("tok-", text));
    }

    [Fact]
    public async Task An_ENV_added_before_a_copy_does_not_hide_which_file_changed()
    {
        using var harness = new EngineHarness();
        harness.WriteContext("app.txt", "v1");
        await MissesAsync(harness, "FROM base\nCOPY app.txt /app/\n");
        harness.WriteContext("app.txt", "v2");

        var misses = await MissesAsync(harness, "FROM base\nENV A=1\nCOPY app.txt /app/\n");

        Assert.Equal("COPY: app.txt changed", Assert.Single(misses).Reason);
    }

    [Fact]
    public async Task A_new_base_image_is_named_with_both_digests()
    {
        using var harness = new EngineHarness();
        const string Dockerfile = "FROM base\nRUN build\n";
        await MissesAsync(harness, Dockerfile);
        harness.Images.Add("base", new ExecutionConfig { Env = ["PATH=/usr/bin:/bin", "NEW=1"] });

        var reason = Assert.Single(await MissesAsync(harness, Dockerfile)).Reason;

        Assert.Matches(@"^base image changed \(sha256:[0-9a-f]{12}… → sha256:[0-9a-f]{12}…\)$", reason);
    }

    [Fact]
    public async Task No_cache_and_a_changed_instruction_say_so()
    {
        using var harness = new EngineHarness();
        await MissesAsync(harness, "FROM base\nRUN build\n");

        Assert.Equal("--no-cache", Assert.Single(await MissesAsync(harness, "FROM base\nRUN build\n", engine: Remembering with { NoCache = true })).Reason);
        Assert.Equal("the instruction changed", Assert.Single(await MissesAsync(harness, "FROM base\nRUN build --release\n")).Reason);
    }

    [Fact]
    public async Task How_long_a_step_ran_is_remembered_and_a_later_hit_keeps_it()
    {
        using var harness = new EngineHarness();
        const string Dockerfile = "FROM base\nENV A=1\nRUN build\n";
        await MissesAsync(harness, Dockerfile);
        var plan = await harness.PlanAsync(Dockerfile);
        double? Seconds() => StepHistory.Last(harness.Store, Remembering.StepScope!, plan.Target, 0)?.Seconds;
        var first = Seconds();

        await MissesAsync(harness, Dockerfile);

        Assert.NotNull(first);
        Assert.Equal(first, Seconds());
        Assert.Null(StepHistory.Last(harness.Store, Remembering.StepScope!, plan.Target, 1));
    }

    [Fact]
    public async Task Another_Dockerfile_or_no_scope_explains_nothing()
    {
        using var harness = new EngineHarness();
        await MissesAsync(harness, "FROM base\nRUN build\n");

        Assert.Empty(await MissesAsync(harness, "FROM base\nRUN build --other\n", engine: Remembering with { StepScope = "/work/other/Dockerfile linux/amd64" }));
        Assert.Empty(await MissesAsync(harness, "FROM base\nRUN build --third\n", engine: new EngineOptions()));
    }
}
