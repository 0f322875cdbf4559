using ImageBuilder.Registry.Tests.Fixtures;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Registry;

/// <summary>Builds that pull their base, push their result and share their cache through the real docker-registry.</summary>
public sealed class RegistryBuildTests(PlainRegistry registry) : IClassFixture<PlainRegistry>, IDisposable
{
    private readonly TempDirectory dir = new("ibuild-it-registry-build-");

    private RegistryServer Server => registry.Server;

    public void Dispose() => dir.Dispose();

    private string Context(string dockerfile)
    {
        var context = Directory.CreateDirectory(dir.Combine("context")).FullName;
        File.WriteAllText(Path.Combine(context, "Dockerfile"), dockerfile);
        File.WriteAllText(Path.Combine(context, "app.txt"), "the app\n");
        return context;
    }

    [RegistryRootFact]
    public async Task A_build_FROM_a_registry_image_pulls_it_into_an_empty_store_and_pushes_the_result()
    {
        var baseRef = $"{Server.Host}/{RegistryTestKit.Repository("base")}:1";
        var appRef = $"{Server.Host}/{RegistryTestKit.Repository("app")}:1";
        await RegistryTestKit.PushBusyboxAsync(dir.Combine("publisher"), baseRef);
        var context = Context($"FROM {baseRef}\nCOPY --from={baseRef} /bin/busybox /copied\nRUN --mount=type=bind,from={baseRef},target=/m cp /m/etc/passwd /passwd\n");
        var store = dir.Combine("store");

        var build = (await Tools.Ibuild("--root", store, "build", "--progress", "plain", "-t", appRef, "--push", context)).Ok();

        Assert.Contains($"pulling {baseRef}", build.Stderr);
        Assert.Contains($"pushing {appRef}", build.Stderr);
        var built = await RegistryTestKit.InspectAsync(store, appRef);
        Assert.Equal(built.DiffIds, await RegistryTestKit.DiffIdsWithSkopeoAsync(appRef));
        Assert.Equal(3, built.DiffIds.Count);
        Assert.Equal("ok\n", (await Tools.Ibuild("--root", store, "run", appRef, "sh", "-c", "cmp /copied /bin/busybox && cmp /passwd /etc/passwd && echo ok")).Ok().Stdout);

        // -o type=registry pushes too; the pull of the base is not repeated.
        var other = $"{Server.Host}/{RegistryTestKit.Repository("output")}:2";
        var again = (await Tools.Ibuild("--root", store, "build", "--progress", "plain", "-o", $"type=registry,name={other}", context)).Ok();
        Assert.DoesNotContain("pulling", again.Stderr);
        Assert.Equal(built.DiffIds, await RegistryTestKit.DiffIdsWithSkopeoAsync(other));
    }

    [RegistryRootFact]
    public async Task Pull_never_fails_with_a_located_error_when_the_image_is_not_in_the_store()
    {
        var baseRef = $"{Server.Host}/{RegistryTestKit.Repository("never")}:1";
        await RegistryTestKit.PushBusyboxAsync(dir.Combine("publisher"), baseRef);
        var context = Context($"FROM {baseRef}\nRUN true\n");

        var result = await Tools.Ibuild("--root", dir.Combine("store"), "build", "--progress", "plain", "--pull=never", context);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"Dockerfile:1:1: IB2002: image \"{baseRef}\" is not in the store and --pull=never does not pull it", result.Stderr);
        Assert.DoesNotContain("pulling", result.Stderr);
    }

    [RegistryRootFact]
    public async Task A_missing_image_that_cannot_be_pulled_is_a_located_error()
    {
        var context = Context($"FROM {Server.Host}/{RegistryTestKit.Repository("absent")}:1\n");

        var result = await Tools.Ibuild("--root", dir.Combine("store"), "build", "--progress", "plain", context);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Dockerfile:1:1: IB2002:", result.Stderr);
        Assert.Contains("is not in the store and could not be pulled:", result.Stderr);
    }

    [RegistryRootFact]
    public async Task The_cache_exported_from_one_store_makes_a_fresh_store_run_no_RUN_step_and_build_the_same_image()
    {
        var baseRef = $"{Server.Host}/{RegistryTestKit.Repository("cachebase")}:1";
        var cacheRef = $"{Server.Host}/{RegistryTestKit.Repository("cache")}:main";
        await RegistryTestKit.PushBusyboxAsync(dir.Combine("publisher"), baseRef);
        var context = Context($"""
            FROM {baseRef} AS deps
            RUN echo step-$((100+1))-ran && head -c 100000 /dev/urandom > /deps.bin
            FROM {baseRef}
            COPY app.txt /app.txt
            RUN echo step-$((200+2))-ran && date +%s%N > /stamp
            COPY --from=deps /deps.bin /deps.bin
            RUN echo step-$((300+3))-ran && cat /app.txt > /copy.txt
            ENV MODE=cached
            """);
        var storeA = dir.Combine("a");
        var storeB = dir.Combine("b");

        var first = (await Tools.Ibuild("--root", storeA, "build", "--progress", "plain", "-t", "app:1",
            "--cache-to", $"type=registry,ref={cacheRef},mode=max", context)).Ok();
        var second = (await Tools.Ibuild("--root", storeB, "build", "--progress", "plain", "-t", "app:1",
            "--cache-from", $"type=registry,ref={cacheRef}", context)).Ok();

        Assert.Contains("step-202-ran", first.Stderr);
        foreach (var marker in new[] { "step-101-ran", "step-202-ran", "step-303-ran" })
        {
            Assert.DoesNotContain(marker, second.Stderr);
        }

        var runs = second.Stderr.Split('\n').Where(l => l.Contains("] RUN ", StringComparison.Ordinal)).Select(l => l.Split(' ')[0]).ToList();
        Assert.Equal(3, runs.Count);
        Assert.All(runs, step => Assert.Contains($"{step} CACHED", second.Stderr));
        var a = await RegistryTestKit.InspectAsync(storeA, "app:1");
        var b = await RegistryTestKit.InspectAsync(storeB, "app:1");
        Assert.Equal(a.DiffIds, b.DiffIds);
        Assert.Equal(a.Id, b.Id);
        Assert.Equal(
            (await Tools.Ibuild("--root", storeA, "run", "app:1", "cat", "/stamp")).Ok().Stdout,
            (await Tools.Ibuild("--root", storeB, "run", "app:1", "cat", "/stamp")).Ok().Stdout);
        RegistryTestKit.AssertEveryBlobVerifies(storeB);
    }

    [RegistryRootFact]
    public async Task A_min_cache_holds_only_the_target_stage_so_other_stages_run_again()
    {
        var baseRef = $"{Server.Host}/{RegistryTestKit.Repository("minbase")}:1";
        var cacheRef = $"{Server.Host}/{RegistryTestKit.Repository("mincache")}:1";
        await RegistryTestKit.PushBusyboxAsync(dir.Combine("publisher"), baseRef);
        var context = Context($"FROM {baseRef} AS side\nRUN echo side-$((1+1))-ran && echo side > /side\nFROM {baseRef}\nCOPY --from=side /side /side\nRUN echo main-$((1+1))-ran\n");

        (await Tools.Ibuild("--root", dir.Combine("a"), "build", "--progress", "plain", "--cache-to", $"type=registry,ref={cacheRef}", context)).Ok();
        var second = (await Tools.Ibuild("--root", dir.Combine("b"), "build", "--progress", "plain", "--cache-from", $"type=registry,ref={cacheRef}", context)).Ok();

        Assert.Contains("side-2-ran", second.Stderr);
        Assert.DoesNotContain("main-2-ran", second.Stderr);
    }
}
