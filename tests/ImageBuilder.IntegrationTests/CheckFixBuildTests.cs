using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary>
/// <c>ibuild check --fix</c> changes how a Dockerfile is written, not what it builds: for the rules
/// that leave the image config alone (keyword casing, LegacyKeyValueFormat) the fixed file builds to the
/// same image id as the original. (JSONArgsRecommended changes Cmd from ["/bin/sh","-c","x"] to ["x"] and
/// MaintainerDeprecated turns the author field into a label, so they are left out here on purpose.)
/// </summary>
public sealed class CheckFixBuildTests : IDisposable
{
    private const string Original = """
        from box:1 AS base
        # a comment that stays
        env GREETING hello   world
        label version 1.0
        run echo "$GREETING" > /greeting
        FROM base as final
        ENV PATH /opt/bin:$PATH
        COPY data.txt /data.txt
        """;

    private const string Fixed = """
        from box:1 as base
        # a comment that stays
        env GREETING="hello   world"
        label version="1.0"
        run echo "$GREETING" > /greeting
        from base as final
        env PATH="/opt/bin:$PATH"
        copy data.txt /data.txt
        """;

    private readonly BuildFixture before = new();
    private readonly BuildFixture after = new();

    public void Dispose()
    {
        before.Dispose();
        after.Dispose();
    }

    [RootFact]
    public async Task The_fixed_Dockerfile_builds_to_the_same_image_as_the_original()
    {
        var epoch = new Dictionary<string, string> { ["SOURCE_DATE_EPOCH"] = "1700000000" };
        var ibuild = Path.Combine(AppContext.BaseDirectory, "ibuild.dll");
        after.Write("Dockerfile", Original);
        var fix = (await Tools.Run("dotnet", [ibuild, "check", "--fix", after.Context])).Ok();
        var fixedText = await File.ReadAllTextAsync(Path.Combine(after.Context, "Dockerfile"));
        Assert.Equal(Fixed, fixedText);
        Assert.Contains("fixed LegacyKeyValueFormat", fix.Stdout);
        var recheck = (await Tools.Run("dotnet", [ibuild, "check", after.Context])).Ok();
        Assert.DoesNotContain("warning:", recheck.Stderr);

        before.Write("Dockerfile", Original);
        var ids = new List<string>();
        foreach (var fixture in new[] { before, after })
        {
            (await Tools.Run("dotnet", [ibuild, "--root", fixture.Store, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1"], epoch)).Ok();
            fixture.Write("data.txt", "context data\n");
            var build = await Tools.Run("dotnet", [ibuild, "--root", fixture.Store, "build", "--progress", "quiet", fixture.Context], epoch);
            ids.Add(build.Ok().Stdout.Trim());
        }

        Assert.StartsWith("sha256:", ids[0]);
        Assert.Equal(ids[0], ids[1]);
    }
}
