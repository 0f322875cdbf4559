using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary>
/// The image does not depend on how the build was scheduled: with SOURCE_DATE_EPOCH, two fresh
/// stores building a multi-stage Dockerfile with --jobs 1 and --jobs 4 give the same image id.
/// </summary>
public sealed class BuildReproducibilityTests : IDisposable
{
    private readonly BuildFixture one = new();
    private readonly BuildFixture four = new();

    public void Dispose()
    {
        one.Dispose();
        four.Dispose();
    }

    [RootFact]
    public async Task The_degree_of_parallelism_does_not_change_the_image()
    {
        const string dockerfile = """
            FROM box:1 AS a
            RUN echo a > /a && sleep 1
            FROM box:1 AS b
            RUN mkdir -p /b/c && echo b > /b/c/file && sleep 1
            FROM box:1 AS c
            COPY data.txt /data.txt
            RUN cat /data.txt > /c
            FROM box:1
            COPY --from=a /a /out/a
            COPY --from=b /b /out/b
            COPY --from=c /c /out/c
            RUN ls -R /out > /listing
            """;
        var ids = new List<string>();
        var epoch = new Dictionary<string, string> { ["SOURCE_DATE_EPOCH"] = "1700000000" };
        var ibuild = Path.Combine(AppContext.BaseDirectory, "ibuild.dll");
        foreach (var (fixture, jobs) in new[] { (one, "1"), (four, "4") })
        {
            (await Tools.Run("dotnet", [ibuild, "--root", fixture.Store, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1"], epoch)).Ok();
            fixture.Write("Dockerfile", dockerfile);
            fixture.Write("data.txt", "context data\n");
            var build = await Tools.Run("dotnet", [ibuild, "--root", fixture.Store, "build", "--progress", "quiet", "--jobs", jobs, fixture.Context], epoch);
            ids.Add(build.Ok().Stdout.Trim());
        }

        Assert.StartsWith("sha256:", ids[0]);
        Assert.Equal(ids[0], ids[1]);
    }
}
