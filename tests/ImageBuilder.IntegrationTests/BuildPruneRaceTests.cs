using System.Diagnostics;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary>
/// Prune beside running builds: a build protects what it wrote or reused (gc.lock, shared) until
/// its image is tagged, so a prune that runs meanwhile waits instead of taking the untagged
/// manifest, its config or layers from under it.
/// </summary>
public sealed class BuildPruneRaceTests : IDisposable
{
    private const int Iterations = 6;
    private const int Builds = 4;

    private readonly BuildFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    [RootFact]
    public async Task Builds_beside_a_prune_loop_all_succeed_and_their_tags_name_complete_images()
    {
        await fixture.ImportBaseAsync();
        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            using var stop = new CancellationTokenSource();
            var prunes = PruneUntilAsync(stop.Token);
            // Different Dockerfiles, each with RUN steps that really run (new text every iteration),
            // ending at different times, so a prune gets the store between their ends.
            var builds = Enumerable.Range(0, Builds).Select(i => BuildInProcessOfItsOwnAsync(iteration, i)).ToList();
            var results = await Task.WhenAll(builds);
            await stop.CancelAsync();
            Assert.True(await prunes > 0);

            for (var i = 0; i < Builds; i++)
            {
                Assert.True(results[i].ExitCode == 0, $"build {i} of iteration {iteration}: exit {results[i].ExitCode}\n{results[i].Stderr}");
                var tag = Tag(iteration, i);
                var archive = Path.Combine(Path.GetDirectoryName(fixture.Store)!, $"{iteration}-{i}.tar");
                (await Tools.Ibuild("--root", fixture.Store, "save", "-o", archive, tag)).Ok();
                Assert.True(new FileInfo(archive).Length > 0);
                Assert.Equal($"{iteration}-{i}\n", (await Tools.Ibuild("--root", fixture.Store, "run", tag, "cat", "/copy")).Ok().Stdout);
            }
        }

        Assert.Equal(0, (await Tools.Ibuild("--root", fixture.Store, "fsck")).ExitCode);
    }

    private static string Tag(int iteration, int build) => $"race{build}:{iteration}";

    /// <summary>
    /// Runs <c>ibuild prune</c> again and again until <paramref name="stop"/>, on a thread of its own
    /// (prune runs synchronously); returns how many ran. Each must succeed. The short pause stands
    /// for the start of the next <c>ibuild prune</c> of a shell loop: without it the loop would take
    /// the lock back the moment it let it go, and the builds, which poll for it, would hardly get in.
    /// </summary>
    private Task<int> PruneUntilAsync(CancellationToken stop) => Task.Run(async () =>
    {
        var count = 0;
        while (!stop.IsCancellationRequested)
        {
            (await Tools.Ibuild("--root", fixture.Store, "prune")).Ok();
            count++;
            await Task.Delay(20, CancellationToken.None);
        }

        return count;
    }, CancellationToken.None);

    private async Task<Tools.Result> BuildInProcessOfItsOwnAsync(int iteration, int build)
    {
        var dockerfile = Path.Combine(fixture.Context, $"Dockerfile.{build}");
        await File.WriteAllTextAsync(dockerfile, $"""
            FROM box:1
            RUN echo {iteration}-{build} > /id && sleep 0.{build * 3}
            RUN cat /id > /copy
            """);
        using var process = Process.Start(Tools.IbuildProcess(
            "--root", fixture.Store, "build", "--progress", "plain", "-f", dockerfile, "-t", Tag(iteration, build), fixture.Context))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new Tools.Result(process.ExitCode, await stdout, await stderr);
    }
}
